import { stack } from './stack';

interface MailDevEmail {
  id: string;
  subject: string;
  text: string;
  to: { address: string }[];
  headers: Record<string, string>;
  time: string;
}

/** Reads mail that really went through SMTP into the stack's sink (MailDev's REST API). */
export async function waitForEmail(to: string, match: (m: MailDevEmail) => boolean = () => true, timeoutMs = 20000): Promise<MailDevEmail> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${stack.mailApiUrl}/email`);
    const all = (await res.json()) as MailDevEmail[];
    const found = all.filter((m) => m.to.some((t) => t.address.toLowerCase() === to.toLowerCase()) && match(m)).pop();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no email to ${to} within ${timeoutMs} ms`);
}

export async function emailsTo(to: string): Promise<MailDevEmail[]> {
  const res = await fetch(`${stack.mailApiUrl}/email`);
  const all = (await res.json()) as MailDevEmail[];
  return all.filter((m) => m.to.some((t) => t.address.toLowerCase() === to.toLowerCase()));
}

/** The first `token: <value>` line of a mail body. */
export function tokenFrom(text: string): string {
  const m = /token:\s*([A-Za-z0-9_-]+)/i.exec(text);
  if (!m) throw new Error(`no token in email: ${text}`);
  return m[1];
}
