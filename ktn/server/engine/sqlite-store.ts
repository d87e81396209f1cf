// The SQLite store: everything the server keeps, on disk through bun:sqlite, surviving restarts and crashes.
import { Database } from "bun:sqlite";
import { log } from "../log.ts";
import { Checkpointer, OPEN_BUSY_TIMEOUT_MS, WAL_BOUND_PAGES, WRITE_BUSY_TIMEOUT_MS } from "./checkpointer.ts";
import { applyLog, claimHistory, LOG_FILE_BYTES, MessageLog, releaseHistory } from "./message-log.ts";
import { eraseMessage, lastStoredId, messagesOf, type Run } from "./message-runs.ts";
import { LOBBY, MemoryStore, RecentMessages, type Ban, type RoomMessage, type Store } from "./store.ts";
import { RECORD_EVERY_MS, UnrecordedRuns } from "./unrecorded-runs.ts";

export class StoreOpenError extends Error {}

/** Entry i upgrades the schema from version i to i + 1; `PRAGMA user_version` records the version. */
export const MIGRATIONS: readonly (readonly string[])[] = [
  ["CREATE TABLE messages (id INTEGER PRIMARY KEY, encoded TEXT NOT NULL)"],
  [
    "ALTER TABLE messages ADD COLUMN room TEXT NOT NULL DEFAULT 'lobby'",
    "CREATE INDEX messages_by_room ON messages (room, id)",
    "CREATE TABLE rooms (key TEXT PRIMARY KEY, name TEXT NOT NULL)",
    `INSERT INTO rooms (key, name) VALUES ('${LOBBY}', '${LOBBY}')`,
  ],
  [
    "CREATE TABLE accounts (key TEXT PRIMARY KEY, password_hash TEXT NOT NULL)",
    "CREATE TABLE moderators (key TEXT PRIMARY KEY)",
    `CREATE TABLE bans (kind TEXT NOT NULL, target TEXT NOT NULL, name TEXT NOT NULL, until INTEGER,
       reason TEXT NOT NULL, by TEXT NOT NULL, PRIMARY KEY (kind, target))`,
    // Ids of deleted messages, so a deleted newest message's id is never handed out again.
    "CREATE TABLE deleted_messages (id INTEGER PRIMARY KEY)",
  ],
  [
    // A row per run of one room's messages with consecutive ids (one turn's, usually): one row to
    // insert for a whole turn instead of a row and an index entry per message.
    `CREATE TABLE message_runs (first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, room TEXT NOT NULL,
       encoded TEXT NOT NULL)`,
    "CREATE INDEX message_runs_by_room ON message_runs (room, first_id)",
    "INSERT INTO message_runs (first_id, last_id, room, encoded) SELECT id, id, room, encoded FROM messages",
    "DROP TABLE messages",
  ],
  [
    // A run's lines stay in the message log, and the row says where (file, at, bytes); rows from
    // before keep theirs in `encoded`.
    `CREATE TABLE logged_runs (first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, room TEXT NOT NULL,
       encoded TEXT, file INTEGER, at INTEGER, bytes INTEGER)`,
    "INSERT INTO logged_runs (first_id, last_id, room, encoded) SELECT first_id, last_id, room, encoded FROM message_runs",
    "DROP TABLE message_runs",
    "ALTER TABLE logged_runs RENAME TO message_runs",
    "CREATE INDEX message_runs_by_room ON message_runs (room, first_id)",
  ],
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Every write is on disk before it returns, so a message is kept before anyone sees it: messages go to
 * the message log, in one append per batch, and stay there; the database records where they lie, a few
 * times a second (./message-log.ts, ./unrecorded-runs.ts); everything else is committed to the database.
 * Each room's newest messages are also kept in memory once read, so a login or join reads no disk. That
 * cache is also why reads need not wait for the recording: a room's cache is loaded before its first
 * message is logged and only dropped after a delete has recorded the whole log, so every logged message
 * not yet recorded is in its room's cache.
 */
export class SqliteStore implements Store {
  private readonly recent = new Map<string, RecentMessages>();
  private readonly statements;
  /** Opened with the first messages: a store that only reads or keeps accounts needs no log or thread. */
  private messageLog: MessageLog | null = null;
  private checkpointer: Checkpointer | null = null;
  private readonly unrecorded = new UnrecordedRuns();
  private recordTimer: ReturnType<typeof setTimeout> | null = null;
  private lastRecordFailure = "";
  /** The newest id logged: the database may not have it yet. */
  private lastLogged = 0;

  constructor(
    private readonly db: Database,
    private readonly capacity: number,
    private readonly logFileBytes = LOG_FILE_BYTES,
  ) {
    const run = "SELECT first_id AS first, last_id AS last, room, encoded, file, at, bytes FROM message_runs";
    this.statements = {
      newestRuns: db.query(`${run} WHERE room = ? ORDER BY first_id DESC`),
      // The last run starting at or before an id; runs never overlap, so it holds the id or nothing does.
      runFrom: db.query(`${run} WHERE first_id <= ? ORDER BY first_id DESC LIMIT 1`),
      rememberDeleted: db.query("INSERT OR IGNORE INTO deleted_messages (id) VALUES (?)"),
      insertRoom: db.query("INSERT OR IGNORE INTO rooms (key, name) VALUES (?, ?)"),
    };
    // What the log holds from before (a kill, a crash) is recorded first, so reads and ids start complete.
    applyLog(db, db.filename);
  }

  lastMessageId(): number {
    return Math.max(lastStoredId(this.db), this.lastLogged);
  }

  appendMessages(batch: readonly RoomMessage[]): void {
    // Load the caches before the append, or messages recorded meanwhile would be read back and kept twice.
    const caches = batch.map((entry) => this.cached(entry.room));
    this.unrecorded.add((this.messageLog ??= this.startLog()).append(batch));
    this.recordSoon();
    this.lastLogged = batch.at(-1)!.id;
    for (let i = 0; i < batch.length; i++) caches[i]!.push(batch[i]!);
  }

  recentMessages(room: string, limit: number): string[] {
    return this.cached(room).newest(limit);
  }

  deleteMessage(id: number): string | null {
    // The message may not be recorded yet, and the room's cache is dropped below: a reload must find every message.
    this.recordAll();
    const room = this.db.transaction(() => {
      const run = this.statements.runFrom.get(id) as Run | null;
      if (!run || run.last < id || !eraseMessage(this.db, run, id)) return null;
      this.statements.rememberDeleted.run(id);
      return run.room;
    })();
    if (room !== null) this.recent.delete(room);
    return room;
  }

  saveRoom(name: string): void {
    this.statements.insertRoom.run(name.toLowerCase(), name);
  }

  roomNames(): string[] {
    return (this.db.query("SELECT name FROM rooms ORDER BY rowid").values() as [string][]).map(([name]) => name);
  }

  passwordHash(name: string): string | null {
    const row = this.db.query("SELECT password_hash AS hash FROM accounts WHERE key = ?").get(name.toLowerCase()) as { hash: string } | null;
    return row?.hash ?? null;
  }

  saveAccount(name: string, passwordHash: string): void {
    this.db.query("INSERT OR REPLACE INTO accounts (key, password_hash) VALUES (?, ?)").run(name.toLowerCase(), passwordHash);
  }

  moderators(): string[] {
    return (this.db.query("SELECT key FROM moderators").values() as [string][]).map(([key]) => key);
  }

  setModerator(name: string, moderator: boolean): void {
    const sql = moderator ? "INSERT OR IGNORE INTO moderators (key) VALUES (?)" : "DELETE FROM moderators WHERE key = ?";
    this.db.query(sql).run(name.toLowerCase());
  }

  saveBan(ban: Ban): void {
    this.db
      .query("INSERT OR REPLACE INTO bans (kind, target, name, until, reason, by) VALUES (?, ?, ?, ?, ?, ?)")
      .run(ban.kind, ban.target, ban.name, ban.until, ban.reason, ban.by);
  }

  bans(): Ban[] {
    return this.db.query("SELECT kind, target, name, until, reason, by FROM bans").all() as Ban[];
  }

  removeBans(name: string): number {
    return this.db.query("DELETE FROM bans WHERE lower(name) = ?").run(name.toLowerCase()).changes;
  }

  /** Records the whole log, so the next start has nothing to catch up on. */
  close(): void {
    if (this.recordTimer) clearTimeout(this.recordTimer);
    this.checkpointer?.close();
    this.messageLog?.close();
    try {
      this.recordAll();
    } catch (failure) {
      log.warn(`the message log's newest runs were not recorded (${(failure as Error).message}); the next start records them`);
    }
    this.db.close();
    releaseHistory(this.db.filename);
  }

  private startLog(): MessageLog {
    this.db.run(`PRAGMA wal_autocheckpoint = ${WAL_BOUND_PAGES}`);
    this.checkpointer = new Checkpointer(this.db.filename);
    return new MessageLog(this.db.filename, this.logFileBytes);
  }

  private recordSoon(): void {
    if (this.recordTimer !== null) return;
    this.recordTimer = setTimeout(() => this.recordUnrecorded(), RECORD_EVERY_MS);
    // The log already holds everything: a pending recording never keeps the process alive.
    this.recordTimer.unref();
  }

  /** The timer's recording never waits for a lock another program holds: it tries again later instead. */
  private recordUnrecorded(): void {
    this.recordTimer = null;
    this.db.run("PRAGMA busy_timeout = 0");
    try {
      this.unrecorded.record(this.db, this.db.filename);
      this.lastRecordFailure = "";
    } catch (failure) {
      const reason = (failure as Error).message;
      // Said once, not ten times a second.
      if (reason !== this.lastRecordFailure) log.warn(`the message log's newest runs could not be recorded yet (${reason}); retrying`);
      this.lastRecordFailure = reason;
    } finally {
      this.db.run(`PRAGMA busy_timeout = ${WRITE_BUSY_TIMEOUT_MS}`);
      if (this.unrecorded.waiting) this.recordSoon();
    }
  }

  /** Records every run the log holds: what the appends reported, then whatever a scan finds past it. */
  private recordAll(): void {
    this.unrecorded.record(this.db, this.db.filename);
    applyLog(this.db, this.db.filename);
  }

  private cached(room: string): RecentMessages {
    const key = room.toLowerCase();
    let recent = this.recent.get(key);
    if (!recent) {
      recent = new RecentMessages(this.capacity, this.newestStored(key));
      this.recent.set(key, recent);
    }
    return recent;
  }

  /** The room's newest `capacity` stored messages, oldest first, read run by run from the newest. */
  private newestStored(room: string): { id: number; encoded: string }[] {
    const newest: { id: number; encoded: string }[] = [];
    for (const run of this.statements.newestRuns.iterate(room) as IterableIterator<Run>) {
      const messages = messagesOf(this.db.filename, run);
      for (let i = messages.length - 1; i >= 0 && newest.length < this.capacity; i--) newest.push(messages[i]!);
      if (newest.length >= this.capacity) break;
    }
    return newest.reverse();
  }
}

/** Opens (creating if missing) and migrates the database at `path`; refuses anything it cannot trust. */
export function openSqliteStore(path: string, capacity: number, logFileBytes = LOG_FILE_BYTES): SqliteStore {
  let db: Database;
  try {
    db = new Database(path, { create: true, strict: true });
  } catch (failure) {
    throw new StoreOpenError(`cannot open database ${path}: ${(failure as Error).message}`);
  }
  try {
    claimHistory(path);
  } catch (failure) {
    db.close();
    throw new StoreOpenError(`cannot use database ${path}: ${(failure as Error).message}`);
  }
  try {
    db.run(`PRAGMA busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
    migrate(db, path);
    db.run("PRAGMA journal_mode = WAL");
    // NORMAL in WAL mode: a commit survives the process being killed; only power loss can take the last ones.
    db.run("PRAGMA synchronous = NORMAL");
    db.run(`PRAGMA busy_timeout = ${WRITE_BUSY_TIMEOUT_MS}`);
    return new SqliteStore(db, capacity, logFileBytes);
  } catch (failure) {
    db.close();
    releaseHistory(path);
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
