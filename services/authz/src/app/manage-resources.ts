/** The resource hierarchy: a resource's parent, set or cleared (no cycles). No event type exists for it. */
import type { DecisionIndex } from './decision-index.ts';
import { cycle } from './errors.ts';
import type { Writer, Written } from './writer.ts';

export function createResourceUseCases(writer: Writer<DecisionIndex>) {
  return {
    setParent(resource: string, parent: string | null): Promise<Written<{ parent: string | null }>> {
      return writer.write(async (ctx) => {
        const current = await ctx.store.getParent(resource);
        if ((current?.parent ?? null) === parent) return { result: { parent }, changes: [] };
        if (parent !== null && (parent === resource || ctx.index.parentWouldCycle(resource, parent))) {
          throw cycle(
            'parent_cycle',
            `Making ${parent} the parent of ${resource} would make ${resource} its own ancestor.`,
          );
        }
        if (parent !== null && ctx.index.parentWouldExceedDepth(resource, parent)) {
          throw cycle(
            'hierarchy_too_deep',
            `Making ${parent} the parent of ${resource} would make the hierarchy deeper than the index follows.`,
          );
        }
        await ctx.store.setParent(resource, parent);
        return {
          result: { parent },
          changes: [{ change: { kind: 'parent.set', resource, parent }, events: [] }],
        };
      });
    },
  };
}
