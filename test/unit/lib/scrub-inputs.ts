// 100 KB adversarial strings for the PII scrubber, shared by its unit test and its bench: long runs
// that make a backtracking pattern retry from every position (letters without an @, an @ at the
// far end, digits that never reach nine, escapes that look like digits), and many short matches.
export const ADVERSARIAL_LENGTH = 100_000;

const fill = (unit: string) => unit.repeat(Math.ceil(ADVERSARIAL_LENGTH / unit.length)).slice(0, ADVERSARIAL_LENGTH);

export const ADVERSARIAL: Record<string, string> = {
  'a…': fill('a'),
  'a@…': fill('a@'),
  'a.…': fill('a.'),
  '@…': fill('@'),
  'a… then @': fill('a').slice(1) + '@',
  '@ then a…': '@' + fill('a').slice(1),
  '?q= then a…': '?q=' + fill('a').slice(3),
  '%40…': fill('%40'),
  'a%40…': fill('a%40'),
  '%20…': fill('%20'),
  '1%2…': fill('1%2'),
  'digits': fill('1'),
  '1-…': fill('1-'),
  '1 (…': fill('1 ('),
  '1%20…': fill('1%20'),
  '12345678 … (never nine)': fill('12345678 '),
  '1234-5678.… (never nine)': fill('1234-5678.'),
  'a b…': fill('a b'),
  'a@ … (many matches)': fill('a@ '),
  'x123456789 … (many matches)': fill('x123456789 '),
  'mixed': fill('a1@.%-4 0(+'),
};

/** The median CPU time of `runs` calls, in ms: CPU, not wall time, so that a busy machine counts less. */
export function medianCpuMs(call: () => unknown, runs = 7): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    call();
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  return times.sort((a, b) => a - b)[runs >> 1];
}
