// Multi-step form funnels for <form data-nb-form> with [data-nb-step] containers: start on the
// first interaction, step when a later step is focused or shown (checked on focus, click,
// submit and pagehide), submit, and abandon on pagehide with the furthest step. A form without
// steps is one step. Only which element is focused or clicked and which containers are visible
// is looked at: never a field's value.
import { push } from './transport';

/** Per started form: the furthest step reached (1-based); ended is 1 once abandoned, 2 once submitted. */
const forms = new Map<HTMLFormElement, { at: number; ended?: number }>();
const STEP = '[data-nb-step]';
const steps = (form: HTMLFormElement) => [...form.querySelectorAll<HTMLElement>(STEP)];
const number = (step?: HTMLElement | null) => +step?.dataset.nbStep! || 0;

function emit(form: HTMLFormElement, action: 'start' | 'step' | 'submit' | 'abandon', step: number): void {
  const all = steps(form);
  push({ type: 'form', form: form.dataset.nbForm!, action, step, step_name: all.find((e) => number(e) == step)?.dataset.nbStepName, steps: all.length || 1 });
}

/** Moves to the step holding `target` or, when steps are shown one at a time, the furthest visible one. */
function advance(form: HTMLFormElement, target?: Element): { at: number; ended?: number } {
  const progress = forms.get(form)!;
  const all = steps(form);
  const visible = all.filter((e) => e.getClientRects().length);
  const reached = Math.max(number(target?.closest(STEP)), ...(visible.length < all.length ? visible.map(number) : []));
  while (progress.at < reached) emit(form, 'step', progress.at++);
  return progress;
}

function interact(event: Event): void {
  const target = event.target as Element;
  const form = target.closest?.<HTMLFormElement>('form[data-nb-form]');
  if (form) {
    if (!forms.has(form)) forms.set(form, { at: 1 }), emit(form, 'start', 1);
    const progress = advance(form, target);
    if (event.type == 'submit' && progress.ended != 2) (progress.ended = 2), emit(form, 'submit', progress.at);
  }
}

export function watchForms(): void {
  for (const type of ['focusin', 'click', 'submit']) addEventListener(type, interact, true);
}

/** Called on pagehide: started, unsubmitted forms are abandoned at their furthest step. */
export function abandonForms(): void {
  forms.forEach((progress, form) => {
    if (!progress.ended) (progress.ended = 1), emit(form, 'abandon', advance(form).at);
  });
}
