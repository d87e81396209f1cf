// The SQLite store: history on disk through bun:sqlite, so it survives restarts and crashes.
import { Database } from "bun:sqlite";
import { MemoryStore, type Store } from "./store.ts";

export class StoreOpenError extends Error {}

/** Each entry upgrades the schema by one version; `PRAGMA user_version` records how many have run. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE messages (
     id INTEGER PRIMARY KEY,
     encoded TEXT NOT NULL
   )`,
];

/**
 * Every append is committed before it returns, so a message is on disk before anyone sees it. The
 * newest messages are also kept in memory, so a login reads no disk.
 */
export class SqliteStore implements Store {
  private readonly insert;
  private readonly recent: MemoryStore;

  constructor(
    private readonly db: Database,
    capacity: number,
  ) {
    this.insert = db.query("INSERT INTO messages (encoded) VALUES (?)");
    const newest = db.query("SELECT encoded FROM messages ORDER BY id DESC LIMIT ?").values(capacity) as [string][];
    this.recent = new MemoryStore(capacity, newest.reverse().map(([encoded]) => encoded));
  }

  appendMessage(encoded: string): void {
    this.insert.run(encoded);
    this.recent.appendMessage(encoded);
  }

  recentMessages(limit: number): string[] {
    return this.recent.recentMessages(limit);
  }

  close(): void {
    this.db.close();
  }
}

/** Opens (creating if missing) and migrates the database at `path`; refuses anything it cannot trust. */
export function openSqliteStore(path: string, capacity: number): SqliteStore {
  let db: Database;
  try {
    db = new Database(path, { create: true, strict: true });
  } catch (failure) {
    throw new StoreOpenError(`cannot open database ${path}: ${(failure as Error).message}`);
  }
  try {
    migrate(db, path);
    db.run("PRAGMA journal_mode = WAL");
    // NORMAL in WAL mode: a commit survives the process being killed; only power loss can take the last ones.
    db.run("PRAGMA synchronous = NORMAL");
    return new SqliteStore(db, capacity);
  } catch (failure) {
    db.close();
    if (failure instanceof StoreOpenError) throw failure;
    throw new StoreOpenError(`cannot use database ${path}: ${(failure as Error).message}`);
  }
}

function migrate(db: Database, path: string): void {
  const version = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (version > MIGRATIONS.length) {
    throw new StoreOpenError(`database ${path} has schema version ${version}, newer than this server knows (${MIGRATIONS.length}); upgrade the server or choose another --db`);
  }
  db.transaction(() => {
    for (let next = version; next < MIGRATIONS.length; next++) db.run(MIGRATIONS[next]!);
    db.run(`PRAGMA user_version = ${MIGRATIONS.length}`);
  })();
}

/** `:memory:` keeps history in memory only; any other value is a database path. */
export function openStore(db: string, capacity: number): Store {
  return db === ":memory:" ? new MemoryStore(capacity) : openSqliteStore(db, capacity);
}
