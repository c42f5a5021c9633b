// BullMQ jobs per second on the same Redis: JOBS no-op jobs processed by one Worker with
// concurrency WORKERS; each job is fetched (moved to active with a lock), processed, and moved to
// completed while the next is fetched: BullMQ's claim-and-complete cycle. A first round of
// WARMUP jobs (default JOBS/2, at least 5,000), untimed, warms the JIT, as on the Java side. Prints
// one line like the Java side.
// With FROM=queued (run-e2e-bench) the worker is running, idle, before the jobs are added, and the
// time runs from the first add to the last completion, as the Java side's runs from the start of
// `swarm queue import` with its drones connected and idle; otherwise (run-claim-bench) from after
// the last add, as ClaimBenchmark's runs from after its enqueue.
// Usage: node bench.mjs REDIS_PORT WORKERS JOBS [WARMUP] [FROM]
import { Queue, Worker } from "bullmq";
import IORedis from "ioredis";

const [port, workers, jobs, warmup] = process.argv.slice(2, 6).map(Number);
const fromQueued = process.argv[6] === "queued";
const connection = { host: "127.0.0.1", port };

// CPU seconds the Redis server has used (INFO cpu): whether Redis is the limit.
const probe = new IORedis(port, "127.0.0.1");
async function redisCpuSeconds() {
  const info = await probe.info("cpu");
  const field = (name) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)[1]);
  return field("used_cpu_user") + field("used_cpu_sys");
}

async function add(queue, count) {
  for (let i = 0; i < count; i += 5000) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 5000); j++) {
      batch.push({ name: "p", data: { atom: `=app-misc/p${j}-1.0` }, opts: { removeOnComplete: true } });
    }
    await queue.addBulk(batch);
  }
}

async function round(count) {
  const name = "bench-" + process.hrtime.bigint();
  const queue = new Queue(name, { connection });
  if (!fromQueued) {
    await add(queue, count);
  }
  let done = 0;
  let allDone;
  const finished = new Promise((resolve) => (allDone = resolve));
  const worker = new Worker(name, async () => {}, { connection, concurrency: workers, autorun: false });
  worker.on("completed", () => {
    done++;
    if (done === count) {
      allDone();
    }
  });
  if (fromQueued) {
    worker.run();
    await worker.waitUntilReady();
    await new Promise((resolve) => setTimeout(resolve, 200)); // the worker waiting on the empty queue
  }
  const redisCpuStart = await redisCpuSeconds();
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  if (fromQueued) {
    await add(queue, count);
  } else {
    worker.run();
  }
  await finished;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMicros = cpu.user + cpu.system;
  const redisCpuMicros = (await redisCpuSeconds() - redisCpuStart) * 1e6;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { done, seconds, cpuMicros, redisCpuMicros };
}

await round(warmup || Math.max(5000, Math.floor(jobs / 2)));
const { done, seconds, cpuMicros, redisCpuMicros } = await round(jobs);
probe.disconnect();
// node's own CPU in the measured round (adding the jobs included): per job for run-claim-bench,
// in seconds for run-e2e-bench.
console.log(
  `bullmq workers=${workers} jobs=${done} seconds=${seconds.toFixed(3)} cpu_seconds=${(cpuMicros / 1e6).toFixed(2)} ` +
    `client_cpu_us_per_job=${(cpuMicros / done).toFixed(1)} redis_cpu_us_per_job=${(redisCpuMicros / done).toFixed(1)} per_second=${Math.round(done / seconds)}`,
);
