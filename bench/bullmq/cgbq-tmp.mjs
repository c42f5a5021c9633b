// mode setup: add N jobs; mode run: process them with concurrency W
import { Queue, Worker } from "bullmq";
const [port, n, W, mode] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4]), process.argv[5]];
const connection = { host: "127.0.0.1", port };
const name = "cgq";
if (mode === "setup") {
  const queue = new Queue(name, { connection });
  for (let i = 0; i < n; i += 5000) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 5000); j++) batch.push({ name: "p", data: { atom: `=app-misc/p${j}-1.0` }, opts: { removeOnComplete: true } });
    await queue.addBulk(batch);
  }
  await queue.close();
} else {
  let done = 0;
  await new Promise((resolve) => {
    const w = new Worker(name, async () => {}, { connection, concurrency: W });
    w.on("completed", () => { if (++done === n) { resolve(); w.close(); } });
  });
}
process.exit(0);
