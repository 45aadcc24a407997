// Shared by the template tests: a renderer over the shipped templates with a fixed clock.
import { createTemplateRenderer, type TemplateRenderer } from './renderer.ts';

/** The clock of the tests: 30 minutes before the contracts' example `expires_at` of a reset link. */
export const NOW = new Date('2026-11-28T16:32:11.123Z');

export function createRendererForTest(): Promise<TemplateRenderer> {
  return createTemplateRenderer({ productName: 'Acme ID', now: () => NOW });
}

/** Intl separates "5:02" and "PM" with a narrow no-break space; tests compare with plain spaces. */
export function plain(text: string): string {
  return text.replace(/[\u00a0\u202f]/g, ' ');
}

/** The values of every `href="..."` of an HTML document, with character references decoded. */
export function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => decodeEntities(m[1] ?? ''));
}

export function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The visible text of an HTML body: tags, comments and the head removed, entities decoded. */
export function visibleText(html: string): string {
  const body = html.slice(html.indexOf('<body'));
  return decodeEntities(
    body
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' '),
  ).trim();
}
