// A stand-in eval worker for the sweep's unit tests: speaks workerProtocol.ts without a model. Its
// "answers" are a deterministic function of the item and the settings; the question steers it:
// DELAY<ms> waits before answering, FAIL fails the item, CRASH fails the worker.
import { parentPort, workerData } from 'node:worker_threads';

const { settings, provider } = workerData;
const post = (m) => parentPort.postMessage(m);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hash = (s) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);

post({ type: 'ready', provider, onnxruntime: 'fake' });
let running = Promise.resolve();
parentPort.on('message', (m) => {
  if (m.type === 'stop') running.then(() => parentPort.close());
  else running = answer(m.item);
});

async function answer(item) {
  const h = hash(item.key);
  const delay = Number(item.question.match(/DELAY(\d+)/)?.[1] ?? h % 7);
  post({ type: 'progress', line: item.line, fraction: 0.5 });
  await sleep(delay);
  if (item.question.includes('FAIL'))
    return post({
      type: 'itemFailed',
      line: item.line,
      error: { name: 'BadInputError', code: 'bad-input', message: 'cannot read the image' },
    });
  if (item.question.includes('CRASH'))
    return post({ type: 'fatal', error: { name: 'Error', code: 'internal', message: 'boom' } });
  const cells = [];
  settings.policies.forEach((policy, pi) => {
    settings.budgets.forEach((budget, bi) => {
      if (policy === 'vl-cache' && item.question.includes('NOPOST')) {
        cells.push({ policy, budget, status: 'unavailable', reason: 'no post-vision rows' });
        return;
      }
      const right = budget === 10000 || (h + pi + bi) % 3 !== 0;
      cells.push({
        policy,
        budget,
        status: 'ok',
        keptPercent: budget / 100,
        text: right ? item.answer : 'wrong',
        score: right ? 1 : 0,
        answerPart: null,
        leadInMatch: null,
        exactMatch: right,
        agreement: right ? 1 : ((h + bi) % 10) / 10,
        firstDivergence: right ? null : 1,
        meanKl: right ? 0 : (h % 1000) / 1000 + bi / 7,
        top1Agreement: right ? 1 : 0.5,
        recall: Math.min(1, budget / 10000 + 0.1),
        hitRate: Math.min(1, budget / 10000 + 0.05),
      });
    });
  });
  post({
    type: 'result',
    result: {
      line: item.line,
      key: item.key,
      image: item.image,
      task: item.task,
      question: item.question,
      answer: item.answer,
      m: 600,
      full: {
        text: item.answer,
        ids: [5, 6, 2],
        stoppedBy: 'eos',
        score: 1,
        answerPart: null,
        leadInMatch: null,
      },
      cells,
      decodes: 1 + settings.policies.length * (settings.budgets.length - 1),
    },
  });
}
