// Multi-step form funnels for <form data-nb-form> with [data-nb-step] containers: start on the
// first interaction, step when the next step is shown or something in it is focused (checked on
// focus, click, submit and pagehide, so a step shown by a Next button counts by the time the
// visitor acts or leaves), submit, and abandon on pagehide with the furthest step. A form
// without steps is one step. Only which element is focused or clicked and which step
// containers are visible is looked at: never a field's value.
import { push } from './transport';

/** Per started form: [furthest step reached (1-based), the last of submit or abandon sent]. */
const forms = new Map<HTMLFormElement, [number, ('submit' | 'abandon')?]>();
const number = (step?: Element | null) => +(step as HTMLElement)?.dataset.nbStep! || 0;

/** Handles focusin, click and submit inside a form, and pagehide (as 'abandon', with the form as target). */
function interact({ type, target }: { type: string; target: any }): void {
  // any: an event target, not always an Element
  const form: HTMLFormElement | null = target.closest?.('form[data-nb-form]');
  if (!form) return;
  const steps = [...form.querySelectorAll<HTMLElement>('[data-nb-step]')];
  const emit = (action: 'start' | 'step' | 'submit' | 'abandon', step: number) =>
    push({
      type: 'form',
      form: form.dataset.nbForm!,
      action,
      step,
      step_name: steps.find((e) => number(e) == step)?.dataset.nbStepName,
      steps: steps.length || 1,
    });
  let progress = forms.get(form);
  if (!progress) (forms.set(form, (progress = [1])), emit('start', 1));
  // Reached: the step holding the target, or the step on screen when exactly one is visible
  // (steps shown one at a time; when all are visible, focus tells how far the visitor got).
  const [shown, another] = steps.filter((e) => e.offsetParent);
  const reached = Math.max(number(target.closest('[data-nb-step]')), another ? 0 : number(shown));
  while (progress[0] < reached) emit('step', progress[0]++);
  // progress[1] is the last end sent: a submit goes out once (even after an abandon, the page
  // coming back from the back/forward cache), an abandon only while neither went out.
  if ((type == 'submit' && progress[1] != type) || (type == 'abandon' && !progress[1])) emit((progress[1] = type), progress[0]);
}

/** Registered before the transport's own pagehide flush, so that abandons go with it. */
export function watchForms(): void {
  for (const type of ['focusin', 'click', 'submit']) addEventListener(type, interact, true);
  addEventListener('pagehide', () => forms.forEach((_, form) => interact({ type: 'abandon', target: form })));
}
