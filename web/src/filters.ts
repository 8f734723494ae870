// Filter forms whose values live in the hash: submitting (or changing a select) navigates to the
// same page with the new query, so a filtered view can be bookmarked and shared.
import { h } from './dom.js';
import { href, navigate } from './router.js';

export type FilterField =
  | { name: string; label: string; kind: 'select'; options: readonly string[] }
  | { name: string; label: string; kind: 'text'; placeholder?: string };

export const filterForm = (
  segments: string[],
  fields: FilterField[],
  query: URLSearchParams,
): HTMLFormElement => {
  const form = h('form', { class: 'filters', autocomplete: 'off' });
  const inputs = fields.map((field) => {
    const value = query.get(field.name) ?? '';
    if (field.kind === 'select') {
      const select = h(
        'select',
        { name: field.name, 'data-testid': `filter-${field.name}` },
        h('option', { value: '' }, 'any'),
        field.options.map((option) =>
          h('option', { value: option, selected: option === value }, option),
        ),
      );
      select.addEventListener('change', () => form.requestSubmit());
      return {
        field,
        control: select,
        wrap: h('label', null, h('span', null, field.label), select),
      };
    }
    const input = h('input', {
      type: 'search',
      name: field.name,
      value,
      placeholder: field.placeholder ?? '',
      'data-testid': `filter-${field.name}`,
    });
    return { field, control: input, wrap: h('label', null, h('span', null, field.label), input) };
  });
  const clear = h('button', { type: 'button', class: 'small secondary' }, 'Clear');
  clear.addEventListener('click', () => navigate(href(segments)));
  form.append(
    ...inputs.map((input) => input.wrap),
    h('button', { type: 'submit', class: 'small' }, 'Apply'),
    clear,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next: Record<string, string> = {};
    for (const { field, control } of inputs) next[field.name] = control.value.trim();
    navigate(href(segments, next));
  });
  return form;
};
