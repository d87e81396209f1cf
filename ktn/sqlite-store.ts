// The SQLite store: rooms and history on disk through bun:sqlite, so they survive restarts and crashes.
import { Database } from "bun:sqlite";
import { LOBBY, MemoryStore, RecentMessages, type Store } from "./store.ts";

export class StoreOpenError extends Error {}

/** Entry i upgrades the schema from version i to i + 1; `PRAGMA user_version` records the version. */
const MIGRATIONS: readonly (readonly string[])[] = [
  ["CREATE TABLE messages (id INTEGER PRIMARY KEY, encoded TEXT NOT NULL)"],
  [
    "ALTER TABLE messages ADD COLUMN room TEXT NOT NULL DEFAULT 'lobby'",
    "CREATE INDEX messages_by_room ON messages (room, id)",
    "CREATE TABLE rooms (key TEXT PRIMARY KEY, name TEXT NOT NULL)",
    `INSERT INTO rooms (key, name) VALUES ('${LOBBY}', '${LOBBY}')`,
  ],
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Every append is committed before it returns, so a message is on disk before anyone sees it. Each
 * room's newest messages are also kept in memory once read, so a login or join reads no disk.
 */
export class SqliteStore implements Store {
  private readonly insertMessage;
  private readonly selectNewest;
  private readonly insertRoom;
  private readonly recent = new Map<string, RecentMessages>();

  constructor(
    private readonly db: Database,
    private readonly capacity: number,
  ) {
    this.insertMessage = db.query("INSERT INTO messages (room, encoded) VALUES (?, ?)");
    this.selectNewest = db.query("SELECT encoded FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?");
    this.insertRoom = db.query("INSERT OR IGNORE INTO rooms (key, name) VALUES (?, ?)");
  }

  appendMessage(room: string, encoded: string): void {
    // Load the cache before the insert, or the new row would be read back and kept twice.
    const recent = this.cached(room);
    this.insertMessage.run(room.toLowerCase(), encoded);
    recent.push(encoded);
  }

  recentMessages(room: string, limit: number): string[] {
    return this.cached(room).newest(limit);
  }

  saveRoom(name: string): void {
    this.insertRoom.run(name.toLowerCase(), name);
  }

  roomNames(): string[] {
    return (this.db.query("SELECT name FROM rooms ORDER BY rowid").values() as [string][]).map(([name]) => name);
  }

  close(): void {
    this.db.close();
  }

  private cached(room: string): RecentMessages {
    const key = room.toLowerCase();
    let recent = this.recent.get(key);
    if (!recent) {
      const newest = this.selectNewest.values(key, this.capacity) as [string][];
      recent = new RecentMessages(this.capacity, newest.reverse().map(([encoded]) => encoded));
      this.recent.set(key, recent);
    }
    return recent;
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
  if (version > SCHEMA_VERSION) {
    throw new StoreOpenError(`database ${path} has schema version ${version}, newer than this server knows (${SCHEMA_VERSION}); upgrade the server or choose another --db`);
  }
  db.transaction(() => {
    for (const step of MIGRATIONS.slice(version)) for (const statement of step) db.run(statement);
    db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  })();
}

/** `:memory:` keeps everything in memory only; any other value is a database path. */
export function openStore(db: string, capacity: number): Store {
  return db === ":memory:" ? new MemoryStore(capacity) : openSqliteStore(db, capacity);
}
