// The reads every studio page repeats (the catalog, the caller's token), kept between changes. Without a change
// feed (Workers, tests that build an app alone) nothing is kept: each read goes to the database.
import type { Catalog } from '../../shared/schema/asset.ts';
import type { Principal } from '../security/principal.ts';
import type { ChangeFeed } from './change-feed.ts';
import { ReadCache } from './read-cache.ts';

/** The longest a kept read may be served if notifications stop arriving unnoticed. */
const MAX_STALE_MS = 5_000;

/** The tables a concept's catalog is read from; the change feed names them with the concept's id. */
const CATALOG_TABLES = new Set(['concepts', 'concept_values', 'concept_indexes', 'concept_rules', 'labeling_functions']);

export interface CachedReads {
  /** A concept's catalog, by concept id. */
  catalog: ReadCache<Catalog>;
  /** Valid tokens' principals, by token (any change to api_tokens drops them all). */
  principals: ReadCache<Principal | undefined>;
  /** Drops everything: after a write by this process, so its next read sees it without waiting for the feed. */
  clear(): void;
}

export function cachedReads(changes?: ChangeFeed): CachedReads {
  const ttl = changes ? MAX_STALE_MS : 0;
  const reads: CachedReads = {
    catalog: new ReadCache(ttl),
    principals: new ReadCache(ttl),
    clear() {
      reads.catalog.clear();
      reads.principals.clear();
    },
  };
  changes?.subscribe((change) => {
    if (!change) reads.clear();
    else if (CATALOG_TABLES.has(change.table)) {
      if (change.key === '*') reads.catalog.clear(); // a TRUNCATE
      else reads.catalog.invalidate(change.key);
    }
    else if (change.table === 'api_tokens') reads.principals.clear();
  });
  return reads;
}
