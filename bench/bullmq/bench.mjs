// BullMQ jobs per second on the same Redis: add JOBS no-op jobs, then one Worker with concurrency
// WORKERS processes them; each job is fetched (moved to active with a lock), processed, and moved
// to completed, BullMQ's claim-and-complete cycle. Prints one line like the Java side.
// Usage: node bench.mjs REDIS_PORT WORKERS JOBS
import { Queue, Worker } from "bullmq";

const [port, workers, jobs] = process.argv.slice(2).map(Number);
const connection = { host: "127.0.0.1", port };
const name = "bench-" + process.hrtime.bigint();
const queue = new Queue(name, { connection });
for (let i = 0; i < jobs; i += 5000) {
  const batch = [];
  for (let j = i; j < Math.min(jobs, i + 5000); j++) {
    batch.push({ name: "p", data: { atom: `=app-misc/p${j}-1.0` }, opts: { removeOnComplete: true } });
  }
  await queue.addBulk(batch);
}
let done = 0;
let start;
const finished = new Promise((resolve) => {
  const worker = new Worker(name, async () => {}, { connection, concurrency: workers, autorun: false });
  worker.on("completed", () => {
    done++;
    if (done === jobs) {
      resolve(worker);
    }
  });
  start = process.hrtime.bigint();
  worker.run();
});
const worker = await finished;
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`bullmq workers=${workers} jobs=${done} seconds=${seconds.toFixed(3)} per_second=${Math.round(done / seconds)}`);
await worker.close();
await queue.obliterate({ force: true });
await queue.close();
