// 100 KB adversarial strings for the PII scrubber, shared by its unit test and its bench: long runs
// that make a backtracking pattern retry from every position (letters without an @, an @ at the
// far end, digits that never reach nine, escapes that look like digits), and many short matches.
export const ADVERSARIAL_LENGTH = 100_000;

const fill = (unit: string) => unit.repeat(Math.ceil(ADVERSARIAL_LENGTH / unit.length)).slice(0, ADVERSARIAL_LENGTH);

export const ADVERSARIAL: Record<string, string> = {
  letters: fill('a'),
  letter_at: fill('a@'),
  letter_dot: fill('a.'),
  at_signs: fill('@'),
  letters_then_at: fill('a').slice(1) + '@',
  at_then_letters: '@' + fill('a').slice(1),
  query_of_letters: '?q=' + fill('a').slice(3),
  escaped_at: fill('%40'),
  letter_escaped_at: fill('a%40'),
  escaped_spaces: fill('%20'),
  broken_escapes: fill('1%2'),
  digits: fill('1'),
  digit_dash: fill('1-'),
  digit_space_paren: fill('1 ('),
  digit_escaped_space: fill('1%20'),
  eight_digit_groups: fill('12345678 '),
  eight_digits_separated: fill('1234-5678.'),
  words: fill('a b'),
  many_addresses: fill('a@ '),
  many_numbers: fill('x123456789 '),
  mixed: fill('a1@.%-4 0(+'),
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
