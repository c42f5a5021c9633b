// Drives one side of bench/run-script-instructions against a Redis that runs under callgrind.
//   node script-instructions.mjs buildswarm LUA_DIR PORT JOBS WORKERS setup|run
//   node script-instructions.mjs bullmq - PORT JOBS WORKERS setup|run
// setup queues JOBS jobs (not counted); run processes them (counted):
// - buildswarm: WORKERS drones each claim once (claim.lua), then every call of complete.lua carries
//   all WORKERS verdicts, each claiming its drone's next package in the same step: the group
//   commit of RedisJobQueue, with a batch of exactly WORKERS, so the count does not depend on timing.
//   The scripts are loaded as LuaScripts loads them (lib.lua before each).
// - bullmq: one Worker with concurrency WORKERS processes the jobs (no-op), as bench.mjs does.
import { Queue, Worker } from "bullmq";
import IORedis from "ioredis";
import fs from "fs";

const [side, luaDir, portText, jobsText, workersText, mode] = process.argv.slice(2);
const [port, jobs, workers] = [Number(portText), Number(jobsText), Number(workersText)];
const state = `/tmp/buildswarm-script-instructions-${port}.json`;

async function buildswarm() {
  const r = new IORedis(port, "127.0.0.1");
  const lib = fs.readFileSync(`${luaDir}/lib.lua`, "utf8");
  const sha = {};
  for (const name of ["enqueue", "claim", "complete"]) {
    sha[name] = await r.script("LOAD", lib + "\n" + fs.readFileSync(`${luaDir}/${name}.lua`, "utf8"));
  }
  const now = () => String(Date.now());
  if (mode === "setup") {
    const prefix = `bs:{instructions}:`;
    const total = jobs + workers;
    for (let i = 0; i < total; i += 5000) {
      const items = [];
      for (let j = i; j < Math.min(total, i + 5000); j++) {
        items.push(`=app-misc/p${j}-1.0`, `app-misc/p${j}`, "", "0");
      }
      await r.evalsha(sha.enqueue, 1, prefix + "counts", prefix, now(), "0", "60000", String(items.length / 4), ...items);
    }
    const held = [];
    for (let w = 0; w < workers; w++) {
      const c = await r.evalsha(sha.claim, 1, prefix + "ready", prefix, now(), "300000", `w${w}`);
      held.push([String(c[1]), String(c[4])]);
    }
    fs.writeFileSync(state, JSON.stringify({ prefix, held }));
  } else {
    const { prefix, held } = JSON.parse(fs.readFileSync(state, "utf8"));
    let done = 0;
    while (done < jobs) {
      const n = Math.min(workers, jobs - done);
      const args = [prefix, String(n)];
      for (let w = 0; w < n; w++) {
        args.push(held[w][0], `w${w}`, held[w][1], now(), "1", `w${w}`, "300000", "0");
      }
      const reply = await r.evalsha(sha.complete, 1, prefix + "counts", ...args);
      let at = 0;
      for (let w = 0; w < n; w++) {
        const length = Number(reply[at]);
        const one = reply.slice(at + 1, at + 1 + length);
        at += 1 + length;
        if (one[0] !== 1 || one[1] !== "done") {
          throw new Error(`verdict not applied: ${JSON.stringify(one)}`);
        }
        if (one[2] === 1) {
          held[w] = [String(one[3]), String(one[6])];
        }
      }
      done += n;
    }
    fs.rmSync(state);
  }
  r.disconnect();
}

async function bullmq() {
  const connection = { host: "127.0.0.1", port };
  if (mode === "setup") {
    const queue = new Queue("instructions", { connection });
    for (let i = 0; i < jobs; i += 5000) {
      const batch = [];
      for (let j = i; j < Math.min(jobs, i + 5000); j++) {
        batch.push({ name: "p", data: { atom: `=app-misc/p${j}-1.0` }, opts: { removeOnComplete: true } });
      }
      await queue.addBulk(batch);
    }
    await queue.close();
  } else {
    let done = 0;
    await new Promise((resolve) => {
      const w = new Worker("instructions", async () => {}, { connection, concurrency: workers });
      w.on("completed", () => {
        if (++done === jobs) {
          resolve();
          w.close();
        }
      });
    });
  }
}

await (side === "buildswarm" ? buildswarm() : bullmq());
process.exit(0);
