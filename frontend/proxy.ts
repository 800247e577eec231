import { NextResponse, type NextRequest } from "next/server";
import { buildCsp } from "./lib/csp";
import { loginUrl, safeNext } from "./lib/safe-next";

const PROTECTED = ["/tasks", "/settings"];
const GUEST_ONLY = ["/", "/login", "/signup"];

function matches(pathname: string, prefixes: string[]): boolean {
  return prefixes.some((p) => pathname === p || (p !== "/" && pathname.startsWith(`${p}/`)));
}

/**
 * Runs before every page: sets a per-request CSP nonce and sends browsers to the right side
 * of the sign-in wall. The cookies only say "probably signed in"; the backend checks for real.
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  const signedIn = request.cookies.has("access_token") || request.cookies.has("session");

  if (!signedIn && matches(pathname, PROTECTED)) {
    return NextResponse.redirect(new URL(loginUrl(pathname + search), request.url));
  }
  if (signedIn && matches(pathname, GUEST_ONLY)) {
    return NextResponse.redirect(new URL(safeNext(request.nextUrl.searchParams.get("next")), request.url));
  }

  const nonce = btoa(crypto.randomUUID());
  const csp = buildCsp(nonce, process.env.NODE_ENV === "development");
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

export const config = {
  matcher: [
    {
      source: "/((?!api|_next/static|_next/image|favicon.ico|icon.svg|robots.txt).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
