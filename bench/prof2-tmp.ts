import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
import { hashEmbed } from '../src/embedding/hash.js';
import { openDatabase } from '../src/store/db.js'; import { median } from './report.js';
const root = mkdtempSync(join(tmpdir(), 'prof-'));
const db = openDatabase(join(root, 'm.db'));
const N = Number(process.argv[2] ?? 10000);
db.exec('CREATE VIRTUAL TABLE f USING vec0(embedding float[384] distance_metric=cosine); CREATE VIRTUAL TABLE b USING vec0(embedding bit[384]); CREATE VIRTUAL TABLE q8 USING vec0(embedding int8[384] distance_metric=cosine)');
const ins = db.prepare('INSERT INTO f (rowid, embedding) VALUES (?, ?)');
const W = 'database migration deploy staging login test flaky cache index query review branch merge release config token secret docker build lint type error timeout retry queue worker schema backup restore vector'.split(' ');
const text = (i: number) => Array.from({ length: 8 + (i % 7) }, (_, j) => W[(i * 7 + j * 13 + (i >> 3)) % W.length]).join(' ') + ` n${i}`;
db.transaction(() => { for (let i = 1; i <= N; i++) ins.run(BigInt(i), Buffer.from(hashEmbed(text(i)).buffer)); })();
db.exec("INSERT INTO b (rowid, embedding) SELECT rowid, vec_quantize_binary(embedding) FROM f");
db.exec("INSERT INTO q8 (rowid, embedding) SELECT rowid, vec_quantize_int8(embedding, 'unit') FROM f");
const exact = db.prepare('SELECT rowid FROM f WHERE embedding MATCH ? AND k = 10').pluck();
const bits = db.prepare('SELECT rowid FROM b WHERE embedding MATCH vec_quantize_binary(?) AND k = ?').pluck();
const i8 = db.prepare("SELECT rowid FROM q8 WHERE embedding MATCH vec_quantize_int8(?, 'unit') AND k = ?").pluck();
const rescoreB = db.prepare(`WITH c AS (SELECT rowid FROM b WHERE embedding MATCH vec_quantize_binary(?) AND k = ?) SELECT f.rowid FROM c JOIN f ON f.rowid = c.rowid ORDER BY vec_distance_cosine(f.embedding, ?) LIMIT 10`).pluck();
const rescore8 = db.prepare(`WITH c AS (SELECT rowid FROM q8 WHERE embedding MATCH vec_quantize_int8(?, 'unit') AND k = ?) SELECT f.rowid FROM c JOIN f ON f.rowid = c.rowid ORDER BY vec_distance_cosine(f.embedding, ?) LIMIT 10`).pluck();
const qs = Array.from({ length: 60 }, (_, i) => Buffer.from(hashEmbed(text(i * 31 + 5).split(' ').slice(0, 5).join(' ')).buffer));
const recall = (f: (q: Buffer) => number[]) => { let a = 0; for (const q of qs) { const e = new Set(exact.all(q) as number[]); a += f(q).filter((r) => e.has(r)).length; } return a / (qs.length * 10); };
console.log('N', N, 'exact', (await median(30, (i) => exact.all(qs[i % 60]!))).toFixed(2));
for (const m of [8, 40]) {
  console.log(`bit k*${m}`, (await median(30, (i) => rescoreB.all(qs[i % 60]!, 10 * m, qs[i % 60]!))).toFixed(2), 'recall', recall((q) => rescoreB.all(q, 10 * m, q) as number[]));
  console.log(`int8 k*${m}`, (await median(30, (i) => rescore8.all(qs[i % 60]!, 10 * m, qs[i % 60]!))).toFixed(2), 'recall', recall((q) => rescore8.all(q, 10 * m, q) as number[]));
}
console.log('bit only k=10', (await median(30, (i) => bits.all(qs[i % 60]!, 10))).toFixed(2), 'int8 only', (await median(30, (i) => i8.all(qs[i % 60]!, 10))).toFixed(2));
db.close();
