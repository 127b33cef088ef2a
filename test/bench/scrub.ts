// PII scrubber timing (worker/lib/scrub.ts): the median CPU time to scrub each 100 KB adversarial
// string read whole (no cut), and the slowest of them as a field is scrubbed (cut to its maximum
// first). Prints `name: value unit` lines; the unit test holds the same strings under a bound.
import { MAX_LENGTH, scrub } from '../../worker/lib/scrub';
import { ADVERSARIAL, medianCpuMs } from '../unit/lib/scrub-inputs';

let slowest = 0;
for (const [name, text] of Object.entries(ADVERSARIAL)) {
  scrub(text, Infinity);
  const whole = medianCpuMs(() => scrub(text, Infinity), 9);
  slowest = Math.max(
    slowest,
    medianCpuMs(() => scrub(text, MAX_LENGTH.url), 9),
  );
  console.log(`scrub_100kb_${name}: ${whole.toFixed(2)} ms`);
}
console.log(`scrub_100kb_as_url_field_slowest: ${slowest.toFixed(3)} ms`);
