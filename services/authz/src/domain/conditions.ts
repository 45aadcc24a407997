/**
 * Conditions (ABAC, authz.md "Model"): CEL expressions (`@marcbachmann/cel-js`) evaluated against the
 * check's request context.
 *
 * Variables:
 * - `context` (map): the check's `context` object as given (JSON: numbers are CEL doubles, so write
 *   `context.level >= 3` or `context.level + 1.0`; a missing key is an evaluation error — guard with
 *   `has(context.mfa) && context.mfa == true` when a key may be absent);
 * - `now` (timestamp): the time of the check.
 *
 * Functions beyond the CEL standard library:
 * - `ip_in_cidr(ip, "10.0.0.0/8")` and `ip_in_cidr(ip, ["10.0.0.0/8", "fd00::/8"])`: whether the
 *   IPv4/IPv6 address is inside the range(s) (IPv4-mapped IPv6 addresses count as IPv4; an address
 *   of the other family is simply outside). Only dotted-quad IPv4 is accepted; an invalid address or
 *   range is an evaluation error (→ deny), and a literal invalid range is refused at write time.
 * - `time_between(now, "09:00", "18:00", "Europe/Lisbon")`: whether the wall-clock time of the
 *   timestamp in the IANA time zone is in [start, end). `HH:MM` or `HH:MM:SS`; `24:00` is allowed as
 *   an end. A window with start > end wraps midnight (`"22:00", "06:00"`); start == end is empty.
 *   The 3-argument form uses UTC.
 * The standard library's timestamp methods also work, e.g. Monday to Friday in Lisbon:
 * `now.getDayOfWeek("Europe/Lisbon") in [1, 2, 3, 4, 5]`; an expiry: `now < timestamp("2027-01-01T00:00:00Z")`.
 *
 * Not allowed (refused by `validate`, and a stored one denies): regular expressions (`matches`, a
 * ReDoS risk on caller-supplied context), nested comprehensions (`all`/`exists`/`map`/`filter`
 * inside another: quadratic in context list sizes) and, inside a comprehension, `in` over anything but a
 * literal list or map (`context.a.exists(x, x in context.b)`: quadratic too). The API bounds the context
 * itself (items, string lengths, depth, values in all), so what remains is linear in a small input.
 *
 * A condition is compiled once per distinct expression and cached. Evaluation never throws: an
 * error or a non-boolean result is reported as such and the caller treats it as "does not allow".
 */

import type { ASTNode } from '@marcbachmann/cel-js';
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import ipaddr from 'ipaddr.js';
import type { CheckContext } from './model.ts';

/** The longest accepted condition, in characters. */
export const MAX_CONDITION_LENGTH = 2048;

export type ConditionOutcome = 'true' | 'false' | 'error' | 'not_boolean';

export interface ConditionResult {
  outcome: ConditionOutcome;
  /** Set when outcome is `error` (compile or evaluation error) or `not_boolean` (the value's type). */
  error?: string;
}

export type ConditionValidation = { ok: true } | { ok: false; error: string };

export interface ConditionEngine {
  /** Whether `expression` is a valid boolean condition; an error message fit for a 400 otherwise. */
  validate(expression: unknown): ConditionValidation;
  /** Evaluates (compiling on first use); never throws. */
  evaluate(expression: string, context: CheckContext | undefined, now: Date): ConditionResult;
  /** Number of compiled expressions held in the cache. */
  cacheSize(): number;
}

export interface ConditionEngineOptions {
  /** Compiled expressions kept; the cache is cleared when it grows beyond this. Default 10,000. */
  maxCached?: number;
}

type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [IpAddress, number];

const cidrCache = new Map<string, Cidr>();

function parseIp(text: string): IpAddress {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (ipaddr.IPv6.isValid(text)) {
    const v6 = ipaddr.IPv6.parse(text);
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  throw new Error('invalid IP address');
}

function parseCidr(text: string): Cidr {
  const cached = cidrCache.get(text);
  if (cached !== undefined) return cached;
  let cidr: Cidr;
  if (ipaddr.IPv4.isValidCIDRFourPartDecimal(text)) cidr = ipaddr.IPv4.parseCIDR(text);
  else if (ipaddr.IPv6.isValidCIDR(text)) cidr = ipaddr.IPv6.parseCIDR(text);
  else throw new Error('invalid CIDR range');
  if (cidrCache.size >= 10_000) cidrCache.clear();
  cidrCache.set(text, cidr);
  return cidr;
}

/** Whether `ip` is inside `cidr` (throws on invalid input; another family is "outside"). */
export function ipInCidr(ip: string, cidr: string): boolean {
  const range = parseCidr(cidr);
  const address = parseIp(ip);
  if (address.kind() !== range[0].kind()) return false;
  return address.match(range);
}

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** Seconds since midnight of `HH:MM[:SS]`; `24:00` only when `allowEndOfDay`. Throws when invalid. */
export function parseTimeOfDay(text: string, allowEndOfDay = false): number {
  if (allowEndOfDay && (text === '24:00' || text === '24:00:00')) return 86_400;
  const m = TIME_RE.exec(text);
  if (m === null) throw new Error('invalid time of day (expected HH:MM or HH:MM:SS)');
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new Error('unknown time zone');
    }
    if (formatters.size >= 1000) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** Seconds since local midnight of `at` in `timeZone` (throws on an unknown zone). */
export function secondsOfDay(at: Date, timeZone: string): number {
  let h = 0;
  let m = 0;
  let s = 0;
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    if (part.type === 'hour') h = Number(part.value);
    else if (part.type === 'minute') m = Number(part.value);
    else if (part.type === 'second') s = Number(part.value);
  }
  return h * 3600 + m * 60 + s;
}

/** Whether the wall-clock time of `at` in `timeZone` is in [start, end) (wrapping midnight when start > end). */
export function timeBetween(at: Date, start: string, end: string, timeZone: string): boolean {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new Error('time_between needs a timestamp');
  const from = parseTimeOfDay(start);
  const to = parseTimeOfDay(end, true);
  const t = secondsOfDay(at, timeZone);
  if (from === to) return false;
  return from < to ? t >= from && t < to : t >= from || t < to;
}

const TS = 'google.protobuf.Timestamp';

function buildEnvironment(): Environment {
  return new Environment({
    limits: { maxAstNodes: 256, maxDepth: 32, maxListElements: 64, maxMapEntries: 64, maxCallArguments: 8 },
  })
    .registerVariable('context', 'map', { description: "The check's request context" })
    .registerVariable('now', TS, { description: 'The time of the check' })
    .registerFunction('ip_in_cidr(string, string): bool', (ip: string, cidr: string) => ipInCidr(ip, cidr), {
      description: 'Whether an IP address is inside a CIDR range',
    })
    .registerFunction(
      'ip_in_cidr(string, list<string>): bool',
      (ip: string, cidrs: readonly string[]) => cidrs.some((c) => ipInCidr(ip, c)),
      { description: 'Whether an IP address is inside one of the CIDR ranges' },
    )
    .registerFunction(
      `time_between(${TS}, string, string, string): bool`,
      (at: Date, start: string, end: string, tz: string) => timeBetween(at, start, end, tz),
      { description: 'Whether the wall-clock time in a time zone is in [start, end)' },
    )
    .registerFunction(
      `time_between(${TS}, string, string): bool`,
      (at: Date, start: string, end: string) => timeBetween(at, start, end, 'UTC'),
      { description: 'Whether the UTC time of day is in [start, end)' },
    );
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    // cel-js messages carry a source excerpt after the first line; keep them (useful in a 400), trimmed.
    return error.message.trim().slice(0, 500);
  }
  return String(error).slice(0, 500);
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

function children(node: ASTNode): ASTNode[] {
  const out: ASTNode[] = [];
  const visit = (value: unknown): void => {
    if (isNode(value)) out.push(value);
    else if (Array.isArray(value)) for (const v of value) visit(v);
  };
  if (node.op !== 'value' && node.op !== 'id') visit(node.args);
  return out;
}

function literalString(node: ASTNode | undefined): string | undefined {
  return node !== undefined && node.op === 'value' && typeof node.args === 'string' ? node.args : undefined;
}

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

function callName(node: ASTNode): string | null {
  if (node.op === 'call') return node.args[0];
  if (node.op === 'rcall') return node.args[0];
  return null;
}

/**
 * Checks the literal arguments of our own functions, so a typo is a 400 at write time, not a silent
 * deny. (The functions' own errors never quote values: at decision time those come from the caller's
 * context, and explanations do not echo context values. Here the value is the writer's literal.)
 */
function checkCall(node: ASTNode & { op: 'call' }): string | null {
  const [name, args] = node.args;
  const check = (literal: string | undefined, parse: (text: string) => unknown): string | null => {
    if (literal === undefined) return null;
    try {
      parse(literal);
      return null;
    } catch (error) {
      return `${name}: ${messageOf(error)}: ${JSON.stringify(literal.slice(0, 64))}`;
    }
  };
  if (name === 'ip_in_cidr') {
    const range = args[1];
    const ranges = range !== undefined && range.op === 'list' ? range.args : [range];
    for (const item of ranges) {
      const error = check(literalString(item), parseCidr);
      if (error !== null) return error;
    }
    return check(literalString(args[0]), parseIp);
  }
  if (name === 'time_between')
    return (
      check(literalString(args[1]), (t) => parseTimeOfDay(t)) ??
      check(literalString(args[2]), (t) => parseTimeOfDay(t, true)) ??
      check(literalString(args[3]), formatterFor)
    );
  return null;
}

/** A list or map written in the expression (`["a", "b"]`, `{"a": 1}`): at most 64 entries (the parser's limit). */
function isLiteralCollection(node: unknown): boolean {
  return isNode(node) && (node.op === 'list' || node.op === 'map');
}

/**
 * Rules beyond the type checker, for a decision path that must stay fast whatever the request carries:
 * no regular expressions (`matches`: catastrophic backtracking on an attacker-chosen context string),
 * no comprehension inside another (quadratic over context lists), and no `in` over anything but a literal
 * list or map inside a comprehension (`context.a.exists(x, x in context.b)` is as quadratic), literal
 * arguments of our functions valid.
 */
function checkRules(root: ASTNode): string | null {
  const stack: Array<{ node: ASTNode; inComprehension: boolean }> = [{ node: root, inComprehension: false }];
  while (stack.length > 0) {
    const { node, inComprehension } = stack.pop() as { node: ASTNode; inComprehension: boolean };
    const name = callName(node);
    if (name === 'matches') return 'regular expressions (matches) are not allowed in conditions';
    const comprehension = name !== null && node.op === 'rcall' && COMPREHENSIONS.has(name);
    if (comprehension && inComprehension)
      return `nested comprehensions (${name} inside another) are not allowed`;
    if (inComprehension && node.op === 'in' && !isLiteralCollection(node.args[1]))
      return '`in` inside a comprehension must test a literal list or map (e.g. `x in ["a", "b"]`), not a value of the context';
    if (node.op === 'call') {
      const error = checkCall(node);
      if (error !== null) return error;
    }
    for (const child of children(node))
      stack.push({ node: child, inComprehension: inComprehension || comprehension });
  }
  return null;
}

/** A condition engine with its own CEL environment and compiled-expression cache. */
export function createConditionEngine(options: ConditionEngineOptions = {}): ConditionEngine {
  const env = buildEnvironment();
  const maxCached = options.maxCached ?? 10_000;
  const compiled = new Map<string, ParseResult | Error>();

  function compile(expression: string): ParseResult | Error {
    const hit = compiled.get(expression);
    if (hit !== undefined) return hit;
    let result: ParseResult | Error;
    const validation = validate(expression);
    if (!validation.ok) result = new Error(validation.error);
    else {
      try {
        result = env.parse(expression);
      } catch (error) {
        result = error instanceof Error ? error : new Error(String(error));
      }
    }
    if (compiled.size >= maxCached) compiled.clear();
    compiled.set(expression, result);
    return result;
  }

  function validate(expression: unknown): ConditionValidation {
    if (typeof expression !== 'string') return { ok: false, error: 'condition must be a string' };
    if (expression.trim() === '') return { ok: false, error: 'condition must not be empty' };
    if (expression.length > MAX_CONDITION_LENGTH)
      return { ok: false, error: `condition longer than ${MAX_CONDITION_LENGTH} characters` };
    let parsed: ParseResult;
    try {
      parsed = env.parse(expression);
    } catch (error) {
      return { ok: false, error: `invalid condition: ${messageOf(error)}` };
    }
    const typed = parsed.check();
    if (!typed.valid) return { ok: false, error: `invalid condition: ${messageOf(typed.error)}` };
    if (typed.type !== 'bool' && typed.type !== 'dyn')
      return {
        ok: false,
        error: `a condition must be a boolean expression, this one is of type ${typed.type}`,
      };
    const ruleError = checkRules(parsed.ast);
    if (ruleError !== null) return { ok: false, error: `invalid condition: ${ruleError}` };
    return { ok: true };
  }

  function evaluate(expression: string, context: CheckContext | undefined, now: Date): ConditionResult {
    const program = compile(expression);
    if (program instanceof Error) return { outcome: 'error', error: messageOf(program) };
    let value: unknown;
    try {
      value = program({ context: context ?? {}, now });
    } catch (error) {
      return { outcome: 'error', error: messageOf(error) };
    }
    if (value === true) return { outcome: 'true' };
    if (value === false) return { outcome: 'false' };
    // A Promise would only come from an async function; we register none. Anything else is a policy bug.
    return {
      outcome: 'not_boolean',
      error: `condition evaluated to ${value === null ? 'null' : typeof value}`,
    };
  }

  return { validate, evaluate, cacheSize: () => compiled.size };
}

let defaultEngine: ConditionEngine | undefined;

/** The process-wide engine (one CEL environment, one cache) used when an index is given none. */
export function defaultConditionEngine(): ConditionEngine {
  defaultEngine ??= createConditionEngine();
  return defaultEngine;
}

/** Validates a condition for a write (H2: 400 with `error` when not ok). */
export function validateCondition(expression: unknown): ConditionValidation {
  return defaultConditionEngine().validate(expression);
}
