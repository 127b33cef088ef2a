// Multi-step form funnels for <form data-nb-form> with [data-nb-step] containers: start on the
// first interaction, step when the next step becomes visible or gets focus, submit, and abandon
// on pagehide with the furthest step. A form without steps is one step. Only which element has
// focus and which containers are visible is looked at: never a field's value, name or type.
import { push } from './transport';

interface Progress {
  /** The furthest step reached (1-based). */
  at: number;
  ended?: 'submit' | 'abandon';
}

const forms = new Map<HTMLFormElement, Progress>();

const steps = (form: HTMLFormElement) => [...form.querySelectorAll<HTMLElement>('[data-nb-step]')];

function emit(form: HTMLFormElement, action: 'start' | 'step' | 'submit' | 'abandon', step: number): void {
  const all = steps(form);
  const name = all.find((e) => +e.dataset.nbStep! == step)?.dataset.nbStepName;
  push({ type: 'form', form: form.dataset.nbForm!, action, step, step_name: name?.slice(0, 64), steps: all.length || 1 });
}

/** Moves to the step holding `target`, or else to the furthest visible one when steps are shown one at a time. */
function advance(form: HTMLFormElement, progress: Progress, target?: Element | null): void {
  const all = steps(form);
  const visible = all.filter((e) => e.getClientRects().length);
  const focused = target?.closest<HTMLElement>('[data-nb-step]');
  const reached = focused ? +focused.dataset.nbStep! : visible.length < all.length ? Math.max(0, ...visible.map((e) => +e.dataset.nbStep!)) : 0;
  while (progress.at < reached) emit(form, 'step', progress.at++);
}

function track(form: HTMLFormElement): Progress {
  let progress = forms.get(form);
  if (!progress) {
    forms.set(form, (progress = { at: 1 }));
    emit(form, 'start', 1);
    new MutationObserver(() => advance(form, progress!)).observe(form, {
      subtree: true,
      attributeFilter: ['hidden', 'class', 'style'],
    });
  }
  return progress;
}

function interact(event: Event): void {
  const target = event.target as Element;
  const form = target.closest?.<HTMLFormElement>('form[data-nb-form]');
  if (form) advance(form, track(form), target);
}

export function watchForms(): void {
  for (const type of ['focusin', 'input', 'change', 'click']) addEventListener(type, interact, true);
  addEventListener(
    'submit',
    (event) => {
      const form = event.target as HTMLFormElement;
      if (!form.matches?.('form[data-nb-form]')) return;
      const progress = track(form);
      if (progress.ended == 'submit') return;
      progress.ended = 'submit';
      emit(form, 'submit', progress.at);
    },
    true,
  );
}

/** Called on pagehide: started, unsubmitted forms are abandoned at their furthest step. */
export function abandonForms(): void {
  forms.forEach((progress, form) => {
    if (!progress.ended) (progress.ended = 'abandon'), emit(form, 'abandon', progress.at);
  });
}
