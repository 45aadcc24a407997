export * from './auth/permissions.ts';
export * from './errors/problem.ts';
