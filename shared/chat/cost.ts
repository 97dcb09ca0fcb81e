// The cost rule lives in the money module; this path stays for the chat activities that import it.
export { costUsd } from '../billing/usd';
