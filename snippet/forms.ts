// Multi-step form funnels for <form data-nb-form> with [data-nb-step] containers: start on the
// first interaction, step when a later step is focused or shown (checked on focus, click,
// submit and pagehide), submit, and abandon on pagehide with the furthest step. A form without
// steps is one step. Only which element is focused or clicked and which containers are visible
// is looked at: never a field's value.
import { push } from './transport';

/** Per started form: [furthest step reached (1-based), 1 once abandoned or 2 once submitted]. */
const forms = new Map<HTMLFormElement, number[]>();
const STEP = '[data-nb-step]';
const number = (step?: HTMLElement | null) => +step?.dataset.nbStep! || 0;

function emit(form: HTMLFormElement, action: 'start' | 'step' | 'submit' | 'abandon', step: number): void {
  const name = form.querySelector<HTMLElement>(`[data-nb-step="${step}"]`)?.dataset.nbStepName;
  push({ type: 'form', form: form.dataset.nbForm!, action, step, step_name: name, steps: form.querySelectorAll(STEP).length || 1 });
}

/** Moves to the step holding `target` or, when steps are shown one at a time, the furthest visible one. */
function advance(form: HTMLFormElement, target?: Element): number[] {
  const progress = forms.get(form)!;
  const all = [...form.querySelectorAll<HTMLElement>(STEP)];
  const visible = all.filter((e) => e.getClientRects().length);
  const reached = Math.max(number(target?.closest(STEP)), ...(visible[all.length - 1] ? [] : visible.map(number)));
  while (progress[0] < reached) emit(form, 'step', progress[0]++);
  return progress;
}

function interact(event: Event): void {
  const target = event.target as Element;
  const form = target.closest?.<HTMLFormElement>('form[data-nb-form]');
  if (form) {
    if (!forms.has(form)) forms.set(form, [1]), emit(form, 'start', 1);
    const progress = advance(form, target);
    if (event.type == 'submit' && progress[1] != 2) (progress[1] = 2), emit(form, 'submit', progress[0]);
  }
}

export function watchForms(): void {
  for (const type of ['focusin', 'click', 'submit']) addEventListener(type, interact, true);
}

/** Called on pagehide: started, unsubmitted forms are abandoned at their furthest step. */
export function abandonForms(): void {
  forms.forEach((progress, form) => {
    if (!progress[1]) (progress[1] = 1), emit(form, 'abandon', advance(form)[0]);
  });
}
