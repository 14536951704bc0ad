/** Statuses the proxy itself generates, with their reason phrases. */
const REASONS: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** A small error response: never a stack trace, only the status and a one-line explanation. */
export interface ErrorPage {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "Error";
}

/** JSON when the client prefers it (Accept mentions application/json before text/html), else HTML. */
export function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const json = accept.search(/application\/json|\+json/);
  if (json === -1) return false;
  const html = accept.indexOf("text/html");
  return html === -1 || json < html;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function renderErrorPage(status: number, message: string, accept: string | undefined): ErrorPage {
  const reason = reasonPhrase(status);
  if (wantsJson(accept)) {
    return {
      status,
      contentType: "application/json",
      body: `${JSON.stringify({ error: reason, status, message })}\n`,
    };
  }
  const title = `${status} ${escapeHtml(reason)}`;
  return {
    status,
    contentType: "text/html; charset=utf-8",
    body:
      `<!doctype html>\n<html><head><title>${title}</title></head>` +
      `<body><h1>${title}</h1><p>${escapeHtml(message)}</p><hr><p>switchyard</p></body></html>\n`,
  };
}
