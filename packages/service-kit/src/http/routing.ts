/**
 * Route-set rules: unique operationIds and method+path pairs, no ambiguous templates, and the order
 * in which paths are tried (OpenAPI: concrete paths before templated ones, so `/v1/users/me`
 * wins over `/v1/users/{id}`).
 */
import { RouteDefinitionError } from './errors.ts';
import type { Route } from './route.ts';
import { routeLabel } from './route.ts';

export interface PathGroup {
  path: string;
  expressPath: string;
  routes: Route[];
  /** The `Allow` header value for this path. */
  allow: string[];
}

function shapeOf(path: string): string {
  return path.replace(/\{[^}]+\}/g, '{}');
}

export function checkRouteSet(routes: readonly Route[]): void {
  const operationIds = new Map<string, Route>();
  const endpoints = new Set<string>();
  const shapes = new Map<string, string>();
  for (const route of routes) {
    const label = routeLabel(route);
    const previous = operationIds.get(route.operationId);
    if (previous !== undefined) {
      throw new RouteDefinitionError(
        `operationId "${route.operationId}" is also used by ${routeLabel(previous)}`,
        label,
      );
    }
    operationIds.set(route.operationId, route);
    if (endpoints.has(label)) throw new RouteDefinitionError('declared twice', label);
    endpoints.add(label);
    const shape = shapeOf(route.path);
    const other = shapes.get(shape);
    if (other !== undefined && other !== route.path) {
      throw new RouteDefinitionError(`path is ambiguous with ${other} (same template, other names)`, label);
    }
    shapes.set(shape, route.path);
  }
}

/** Concrete segments sort before templated ones at the first place two paths differ. */
export function comparePaths(a: string, b: string): number {
  const as = a.split('/');
  const bs = b.split('/');
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const x = as[i] ?? '';
    const y = bs[i] ?? '';
    if (x === y) continue;
    const xParam = x.startsWith('{');
    const yParam = y.startsWith('{');
    if (xParam !== yParam) return xParam ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return as.length - bs.length;
}

/** Routes grouped by path, in matching order, each group with its allowed methods. */
export function groupByPath(routes: readonly Route[]): PathGroup[] {
  checkRouteSet(routes);
  const groups = new Map<string, PathGroup>();
  for (const route of routes) {
    const group = groups.get(route.path) ?? {
      path: route.path,
      expressPath: route.expressPath,
      routes: [],
      allow: [],
    };
    group.routes.push(route);
    groups.set(route.path, group);
  }
  for (const group of groups.values()) {
    const methods = group.routes.map((r) => r.method.toUpperCase());
    if (methods.includes('GET')) methods.push('HEAD');
    group.allow = methods.sort();
  }
  return [...groups.values()].sort((a, b) => comparePaths(a.path, b.path));
}
