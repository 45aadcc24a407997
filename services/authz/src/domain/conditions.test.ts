import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createConditionEngine, ipInCidr, timeBetween, validateCondition } from './conditions.ts';

const engine = createConditionEngine();
const noon = new Date('2026-06-15T12:00:00Z');

describe('validateCondition', () => {
  it('accepts the spec examples', () => {
    for (const expr of [
      'context.mfa == true',
      'ip_in_cidr(context.ip, "10.0.0.0/8")',
      'ip_in_cidr(context.ip, ["10.0.0.0/8", "fd00::/8"])',
      'time_between(now, "09:00", "18:00", "Europe/Lisbon")',
      'time_between(now, "22:00", "06:00")',
      'has(context.mfa) && context.mfa == true && now < timestamp("2027-01-01T00:00:00Z")',
      'now.getDayOfWeek("Europe/Lisbon") in [1, 2, 3, 4, 5]',
      'context.level >= 3',
    ])
      expect(validateCondition(expr)).toEqual({ ok: true });
  });

  it('refuses syntax errors, unknown variables and functions, non-boolean results', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['context.mfa ==', /invalid condition/],
      ['user.admin == true', /Unknown variable/i],
      ['exec("rm -rf /")', /invalid condition/],
      ['1 + 2', /boolean expression.*int/],
      ['"yes"', /boolean expression.*string/],
      ['', /empty/],
      ['   ', /empty/],
      [42, /must be a string/],
      [`context.a == 1 && ${'context.a == 1 && '.repeat(200)}true`, /longer than/],
    ];
    for (const [expr, message] of cases) {
      const result = validateCondition(expr);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(message);
    }
  });

  it('refuses invalid literal ranges, times and time zones at write time', () => {
    for (const [expr, message] of [
      ['ip_in_cidr(context.ip, "10.0.0.0/33")', /ip_in_cidr: invalid CIDR range: "10.0.0.0\/33"/],
      ['ip_in_cidr(context.ip, "10.0.0/8")', /invalid CIDR/],
      ['ip_in_cidr(context.ip, ["10.0.0.0/8", "nope"])', /invalid CIDR/],
      ['ip_in_cidr("999.1.1.1", "10.0.0.0/8")', /invalid IP/],
      ['time_between(now, "9am", "18:00", "Europe/Lisbon")', /invalid time of day/],
      ['time_between(now, "09:00", "25:00", "Europe/Lisbon")', /invalid time of day/],
      ['time_between(now, "09:00", "18:00", "Mars/Olympus")', /unknown time zone/],
    ] as const) {
      const result = validateCondition(expr);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(message);
    }
  });

  it('refuses regular expressions and nested comprehensions (decision-time CPU bombs)', () => {
    for (const [expr, message] of [
      ['context.name.matches("^(a+)+$")', /regular expressions/],
      ['context.a.exists(x, context.b.exists(y, y == x))', /nested comprehensions/],
      ['context.a.all(x, context.b.map(y, y).size() > 0)', /nested comprehensions/],
    ] as const) {
      const result = validateCondition(expr);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(message);
    }
    expect(validateCondition('context.groups.exists(g, g == "admins")')).toEqual({ ok: true });
    // A stored one (written before this rule, or by hand) denies instead of running.
    const slow = engine.evaluate('context.name.matches("^(a+)+$")', { name: `${'a'.repeat(40)}!` }, noon);
    expect(slow.outcome).toBe('error');
  });

  it('refuses `in` over a context value inside a comprehension (quadratic), and a stored one denies', () => {
    for (const expr of [
      'context.a.exists(x, x in context.b)',
      'context.a.all(x, !(x in context.b))',
      'context.a.exists_one(x, x in context.b + ["z"])',
      'context.a.filter(x, x in context).size() > 0',
      'context.a.exists(x, "k" in x)',
      '[1.0, 2.0].exists(x, x in context.b)',
    ]) {
      const result = validateCondition(expr);
      expect([expr, result.ok]).toEqual([expr, false]);
      if (!result.ok) expect(result.error).toMatch(/`in` inside a comprehension/);
    }
    // A literal list or map inside a comprehension is bounded by the parser's limits; outside one,
    // `in` over the context is a single linear pass.
    for (const expr of [
      'context.a.exists(x, x in ["a", "b"])',
      'context.a.exists(x, x in {"a": 1, "b": 2})',
      'context.role in context.allowed_roles',
      '"mfa" in context',
    ]) {
      expect([expr, validateCondition(expr)]).toEqual([expr, { ok: true }]);
    }
    const big = Array.from({ length: 5000 }, (_, i) => `x${i}`);
    const stored = engine.evaluate('context.a.exists(x, x in context.b)', { a: big, b: big }, noon);
    expect(stored.outcome).toBe('error');
  });

  it('keeps the worst conditions allowed cheap on the largest context the API accepts', () => {
    // The API's limits (http/schemas.ts CONTEXT_LIMITS): 100 items per array, 1024 characters per
    // string, 500 values in all,
    // 100 kB per request (the HTTP tests send this very context). A comprehension over the largest list doing the costliest things
    // still allowed inside it: comparing big context values, concatenating and searching long strings,
    // `in` over a literal list.
    const items = Array.from({ length: 100 }, (_, i) => `${'a'.repeat(900)}${i}`);
    const nested = () => Array.from({ length: 19 }, () => Array.from({ length: 9 }, (_, j) => `v${j}`));
    const context = { a: items, b: nested(), c: nested(), s: 'a'.repeat(1024) };
    const cases = [
      'context.a.all(x, context.b == context.c)',
      'context.a.exists(x, (context.s + x).endsWith("z"))',
      'context.a.exists(x, context.s.contains(x + "z"))',
      'context.a.exists(x, x in ["a", "b", "c", "d", "e", "f", "g", "h"])',
      'context.a.map(x, context.s + x).size() == 0',
    ];
    for (const expr of cases) {
      expect([expr, validateCondition(expr)]).toEqual([expr, { ok: true }]);
      engine.evaluate(expr, context, noon); // compile and warm up
      // The best of a few runs, so a busy machine does not make it flaky; a quadratic case takes ~100 ms.
      let best = Number.POSITIVE_INFINITY;
      for (let run = 0; run < 10; run++) {
        const started = performance.now();
        const result = engine.evaluate(expr, context, noon);
        best = Math.min(best, performance.now() - started);
        expect([expr, result]).not.toMatchObject([expr, { outcome: 'error' }]);
      }
      expect([expr, best < 5]).toEqual([expr, true]);
    }
  });

  it('refuses expressions beyond the structural limits', () => {
    const deep = `${'('.repeat(60)}true${')'.repeat(60)}`;
    expect(validateCondition(deep).ok).toBe(false);
  });
});

describe('evaluate', () => {
  it('reads the context: true, false', () => {
    expect(engine.evaluate('context.mfa == true', { mfa: true }, noon)).toEqual({ outcome: 'true' });
    expect(engine.evaluate('context.mfa == true', { mfa: false }, noon)).toEqual({ outcome: 'false' });
    expect(engine.evaluate('context.level >= 3', { level: 5 }, noon)).toEqual({ outcome: 'true' });
  });

  it('reports a missing key, a type mismatch and a non-boolean as such, never throwing', () => {
    const missing = engine.evaluate('context.mfa == true', {}, noon);
    expect(missing.outcome).toBe('error');
    expect(missing.error).toMatch(/mfa/);
    expect(engine.evaluate('context.mfa == true', undefined, noon).outcome).toBe('error');
    expect(engine.evaluate('ip_in_cidr(context.ip, "10.0.0.0/8")', { ip: 42 }, noon).outcome).toBe('error');
    expect(engine.evaluate('context.mfa', { mfa: 'yes' }, noon)).toEqual({
      outcome: 'not_boolean',
      error: 'condition evaluated to string',
    });
    expect(engine.evaluate('context.mfa ==', {}, noon).outcome).toBe('error');
    expect(engine.evaluate('1 + 2', {}, noon).outcome).toBe('error');
  });

  it('does not quote context values in errors (explanations do not echo the context)', () => {
    const ip = engine.evaluate('ip_in_cidr(context.ip, "10.0.0.0/8")', { ip: 'secret-value' }, noon);
    const zone = engine.evaluate(
      'time_between(now, "09:00", "18:00", context.tz)',
      { tz: 'secret/zone' },
      noon,
    );
    expect(ip).toEqual({ outcome: 'error', error: 'invalid IP address' });
    expect(zone).toEqual({ outcome: 'error', error: 'unknown time zone' });
  });

  it('does not expose prototype properties of the context', () => {
    expect(engine.evaluate('has(context.constructor)', {}, noon)).toEqual({ outcome: 'false' });
    expect(engine.evaluate('context["toString"] == null', {}, noon).outcome).toBe('error');
  });

  it('checks IP ranges with ip_in_cidr', () => {
    const expr = 'ip_in_cidr(context.ip, "10.0.0.0/8")';
    expect(engine.evaluate(expr, { ip: '10.20.30.40' }, noon).outcome).toBe('true');
    expect(engine.evaluate(expr, { ip: '11.0.0.1' }, noon).outcome).toBe('false');
    expect(engine.evaluate(expr, { ip: '::ffff:10.1.2.3' }, noon).outcome).toBe('true');
    expect(engine.evaluate(expr, { ip: '2001:db8::1' }, noon).outcome).toBe('false');
    expect(engine.evaluate(expr, { ip: 'not-an-ip' }, noon).outcome).toBe('error');
    // Non-canonical IPv4 forms are refused rather than guessed (0x0a.1 would be 10.0.0.1).
    expect(engine.evaluate(expr, { ip: '0x0a.1' }, noon).outcome).toBe('error');
    const list = 'ip_in_cidr(context.ip, ["192.168.0.0/16", "fd00::/8"])';
    expect(engine.evaluate(list, { ip: 'fd12::1' }, noon).outcome).toBe('true');
    expect(engine.evaluate(list, { ip: '192.168.1.1' }, noon).outcome).toBe('true');
    expect(engine.evaluate(list, { ip: '10.0.0.1' }, noon).outcome).toBe('false');
  });

  it('checks time-of-day windows in a time zone with time_between', () => {
    const office = 'time_between(now, "09:00", "18:00", "Europe/Lisbon")';
    // Lisbon is UTC+1 in June: 07:59Z is 08:59 local, 08:00Z is 09:00, 16:59Z is 17:59, 17:00Z is 18:00.
    expect(engine.evaluate(office, {}, new Date('2026-06-15T07:59:00Z')).outcome).toBe('false');
    expect(engine.evaluate(office, {}, new Date('2026-06-15T08:00:00Z')).outcome).toBe('true');
    expect(engine.evaluate(office, {}, new Date('2026-06-15T16:59:59Z')).outcome).toBe('true');
    expect(engine.evaluate(office, {}, new Date('2026-06-15T17:00:00Z')).outcome).toBe('false');
    // In January Lisbon is UTC+0.
    expect(engine.evaluate(office, {}, new Date('2026-01-15T08:30:00Z')).outcome).toBe('false');
    expect(engine.evaluate(office, {}, new Date('2026-01-15T09:30:00Z')).outcome).toBe('true');
    const night = 'time_between(now, "22:00", "06:00")';
    expect(engine.evaluate(night, {}, new Date('2026-06-15T23:00:00Z')).outcome).toBe('true');
    expect(engine.evaluate(night, {}, new Date('2026-06-15T05:59:00Z')).outcome).toBe('true');
    expect(engine.evaluate(night, {}, new Date('2026-06-15T12:00:00Z')).outcome).toBe('false');
    const zone = 'time_between(now, "09:00", "18:00", context.tz)';
    expect(engine.evaluate(zone, { tz: 'Asia/Tokyo' }, new Date('2026-06-15T01:00:00Z')).outcome).toBe(
      'true',
    );
    expect(engine.evaluate(zone, { tz: 'Nowhere/Land' }, noon).outcome).toBe('error');
  });

  it('compiles each expression once', () => {
    const local = createConditionEngine();
    for (let i = 0; i < 5; i++) local.evaluate('context.mfa == true', { mfa: true }, noon);
    local.evaluate('context.mfa == false', { mfa: true }, noon);
    expect(local.cacheSize()).toBe(2);
  });
});

describe('helpers', () => {
  it('ipInCidr treats the other family as outside', () => {
    expect(ipInCidr('10.0.0.1', '::/0')).toBe(false);
    expect(ipInCidr('2001:db8::1', '2001:db8::/32')).toBe(true);
  });

  it('timeBetween: 24:00 as end, empty window when start == end', () => {
    expect(timeBetween(new Date('2026-06-15T23:59:59Z'), '18:00', '24:00', 'UTC')).toBe(true);
    expect(timeBetween(noon, '12:00', '12:00', 'UTC')).toBe(false);
  });
});

describe('robustness', () => {
  const pieces = fc.constantFrom(
    'context.mfa',
    'context.ip',
    'now',
    '==',
    '&&',
    '||',
    '!',
    '(',
    ')',
    '[',
    ']',
    ',',
    '"10.0.0.0/8"',
    '"09:00"',
    'ip_in_cidr(',
    'time_between(',
    'true',
    '1',
    '.exists(x, ',
    'x',
    'has(',
    '"',
    '\\',
  );

  it('validate and evaluate never throw, whatever the expression and context', () => {
    const local = createConditionEngine({ maxCached: 50 });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.array(pieces, { maxLength: 12 }).map((p) => p.join(' ')),
        ),
        fc.dictionary(fc.constantFrom('mfa', 'ip', 'tz', 'level'), fc.jsonValue({ maxDepth: 2 })),
        (expression, context) => {
          const validation = local.validate(expression);
          expect(typeof validation.ok).toBe('boolean');
          const result = local.evaluate(expression, context, noon);
          expect(['true', 'false', 'error', 'not_boolean']).toContain(result.outcome);
          // Anything validation refuses can never allow.
          if (!validation.ok) expect(result.outcome).toBe('error');
        },
      ),
      { numRuns: 400 },
    );
    expect(local.cacheSize()).toBeLessThanOrEqual(50);
  });
});
