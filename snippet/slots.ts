// The page's offer slots: the elements that name one with data-nb-slot.
export const slots = () => [...document.querySelectorAll<HTMLElement>('[data-nb-slot]')];
