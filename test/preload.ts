// Run-wide test hooks (bunfig.toml preloads this file): no server a test started outlives the run.
import { afterAll } from "bun:test";
import { killLeftoverServers } from "./support/process.ts";

afterAll(killLeftoverServers);
