// The API token form, shown when the server wants a token and has none, or rejected ours.
import { h } from './dom.js';

export const tokenForm = (rejected: boolean, onToken: (token: string) => void): HTMLElement => {
  const input = h('input', {
    type: 'password',
    name: 'token',
    required: true,
    autocomplete: 'current-password',
    placeholder: 'API token',
    'data-testid': 'token-input',
  });
  const form = h(
    'form',
    { class: 'token-form panel', 'data-testid': 'token-form' },
    h('h1', null, 'API token'),
    h(
      'p',
      null,
      rejected
        ? 'The server rejected the token. Enter a valid one.'
        : 'This console needs the API token (HINDSIGHT_API_TOKEN on the server). It is kept in this browser only.',
    ),
    h(
      'div',
      { class: 'token-row' },
      input,
      h('button', { type: 'submit', 'data-testid': 'token-submit' }, 'Use token'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (token) onToken(token);
  });
  queueMicrotask(() => input.focus());
  return form;
};
