// Context eval: a long multi-session history of one synthetic user (deterministic): 40 sessions in
// which they mention facts, preferences, people and events among ordinary questions (the search
// corpus' subjects), some facts later changed, plus 150 distractor conversations. Each question has
// the message ids that hold its answer (for changed facts, the latest statement). The history is
// imported through the real importer into a real server; after the background jobs are done
// (indexing, and memory extraction / the Librarian when their modules are loaded), every question is
// compiled through `POST /api/v1/context` at 2k and 8k tokens. Reported: evidence recall (share of
// questions whose evidence message is cited by an item of the bundle: a message, or a memory/entity
// whose provenance is that message) and tokens used against the tokens of the whole history.
//
// Usage: npm run eval:context   (EVAL_EMBEDDINGS=local turns the semantic half of search on)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/index.ts';
import { startServer } from '../server/main.ts';
import { createLocalCaller } from '../server/local-context.ts';
import { tokenCounter } from '../modules/context/tokenizer.ts';
import { generateConversation, messageId, rng, toChatgpt, type Conversation } from './corpus.ts';

const log = (value: unknown) => console.log(JSON.stringify(value));
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** A fact the user states in one session (and maybe changes later), and questions answered by the latest statement. */
interface Fact {
  statements: string[];
  questions: string[];
}

const FACTS: Fact[] = [
  { statements: ['By the way, my sister Clara just moved to Porto for a job at a design studio.'], questions: ['Where does my sister live now?', 'What job did Clara take?'] },
  { statements: ['I adopted a rescue greyhound last weekend, we named him Biscuit.'], questions: ["What is my dog's name?", 'What breed is Biscuit?'] },
  { statements: ['I drink my coffee black, no sugar, usually a flat double espresso.', 'I quit coffee last month and switched to green tea, my sleep is much better.'], questions: ['What do I drink in the morning these days?'] },
  { statements: ['I work as a backend engineer at a logistics startup called Freightly.'], questions: ['Which company do I work for?', 'What is my job?'] },
  { statements: ['My partner Ana is allergic to peanuts, so I never cook with them.'], questions: ['Which allergy should I keep in mind when cooking for Ana?'] },
  { statements: ['We live in Berlin, in a small flat in Kreuzberg.', 'Big news: we moved to Lisbon in September, we rent an apartment in Alvalade now.'], questions: ['Which city do I live in?', 'What neighbourhood is our apartment in?'] },
  { statements: ['I am training for the Lisbon half marathon on March 15th.'], questions: ['When is my half marathon?'] },
  { statements: ['Please always give me code examples in TypeScript, not JavaScript.'], questions: ['Which language should code examples be in for me?'] },
  { statements: ['My daughter Mia starts primary school in September, she is six.'], questions: ['How old is Mia?', 'When does my daughter start school?'] },
  { statements: ['I play the cello in an amateur orchestra on Tuesday evenings.'], questions: ['What instrument do I play?', 'What do I do on Tuesday evenings?'] },
  { statements: ['I am vegetarian, have been for about ten years.', 'I started eating fish again after talking to a nutritionist.'], questions: ['Do I eat fish?', 'What is my diet now?'] },
  { statements: ['Our team migrated the billing service from MySQL to Postgres 16 last quarter.'], questions: ['Which database does our billing service use?'] },
  { statements: ['My manager is called Tomasz, he prefers short written updates on Fridays.'], questions: ["Who is my manager?", 'When does Tomasz want status updates?'] },
  { statements: ['I am saving for a down payment; the goal is 60,000 euros by the end of next year.'], questions: ['How much am I saving for the down payment?'] },
  { statements: ['I keep my sourdough starter, Bubbles, in the fridge and feed it on Sundays.'], questions: ['What is my sourdough starter called?', 'When do I feed the starter?'] },
  { statements: ['I hurt my left knee skiing in Austria in January.'], questions: ['Which knee did I injure and how?'] },
  { statements: ['My favourite author is Ursula K. Le Guin, I reread The Dispossessed every few years.'], questions: ['Who is my favourite writer?', 'Which book do I keep rereading?'] },
  { statements: ['We are planning a trip to Japan in April 2027 with my parents.'], questions: ['When is the Japan trip and who comes along?'] },
  { statements: ['I use Neovim with the LazyVim setup for all my coding.'], questions: ['Which editor do I use?'] },
  { statements: ['My brother Jonas is getting married in Hamburg on June 6th, I am the best man.'], questions: ['When is Jonas getting married?', 'What is my role at my brother\'s wedding?'] },
  { statements: ['I prefer answers in bullet points, short, without a long introduction.'], questions: ['How do I like answers formatted?'] },
  { statements: ['I am learning Portuguese with a tutor named Rita twice a week.'], questions: ['Who teaches me Portuguese?', 'How often are my Portuguese lessons?'] },
  { statements: ['Our cat Miso is fourteen and has kidney problems, she eats a renal diet.'], questions: ['What health issue does Miso have?'] },
  { statements: ['I drive a 2019 Renault Zoe, it is electric so range matters on long trips.'], questions: ['What car do I drive?'] },
  { statements: ['My on-call week at work is every fourth week, the next one starts on the 9th.'], questions: ['How often am I on call?'] },
  { statements: ['I was born in Graz, Austria, and grew up speaking German.'], questions: ['Where was I born?', 'What is my native language?'] },
  { statements: ['I hate cilantro, it tastes like soap to me.'], questions: ['Which herb do I dislike?'] },
  { statements: ['My side project is a plant-watering tracker called Sprout, written in Rust.'], questions: ['What is my side project?', 'Which language is Sprout written in?'] },
  { statements: ['The kids go to swimming lessons at the Areeiro pool on Saturday mornings.'], questions: ['Where do the kids have swimming lessons?'] },
  { statements: ['I switched our CI from Jenkins to GitHub Actions in May.', 'We moved CI again, from GitHub Actions to Buildkite, because of the runner costs.'], questions: ['Which CI system do we use now?'] },
];

const REPLIES = ['Thanks for sharing that, I will keep it in mind.', 'Good to know! Let me know if that changes anything for the plan.', 'Noted. That is useful context for the next steps.', 'That sounds like a big change, congratulations.'];

interface Question {
  text: string;
  evidence: string;
}

/** The sessions (with facts spread across them) and distractor conversations, as generated conversations. */
function buildHistory(): { conversations: Conversation[]; questions: Question[] } {
  const r = rng(2026);
  const sessions: Conversation[] = [];
  for (let s = 0; s < 40; s++) {
    const base = generateConversation(10_000 + s, 2 * (3 + Math.floor(r() * 6)), { seed: 11, idPrefix: 'session' });
    sessions.push({ ...base, id: `session-${s}`, createdAt: 1_735_689_600 + s * 5 * 86_400 });
  }
  const questions: Question[] = [];
  FACTS.forEach((fact, f) => {
    // Statements land in increasing sessions; a changed fact's later statement comes several sessions later.
    let session = Math.floor(r() * 25);
    let evidence = '';
    for (const statement of fact.statements) {
      const conv = sessions[session]!;
      const at = 2 * Math.floor(r() * (conv.turns.length / 2 + 1));
      conv.turns.splice(at, 0, { role: 'user', text: statement }, { role: 'assistant', text: REPLIES[f % REPLIES.length]! });
      evidence = `${conv.id}#${statement}`;
      session = Math.min(39, session + 6 + Math.floor(r() * 8));
    }
    for (const q of fact.questions) questions.push({ text: q, evidence });
  });
  const distractors: Conversation[] = [];
  for (let i = 0; i < 150; i++) distractors.push(generateConversation(i, 2 * (2 + Math.floor(r() * 9)), { seed: 12, idPrefix: 'other' }));
  return { conversations: [...sessions, ...distractors], questions };
}

const dir = mkdtempSync(path.join(tmpdir(), 'vivim-eval-context-'));
const { conversations, questions } = buildHistory();
// Evidence as the provider's message ids.
const evidenceIds = new Map<string, string>();
for (const c of conversations) c.turns.forEach((turn, i) => evidenceIds.set(`${c.id}#${turn.text}`, messageId(c, i)));
const file = path.join(dir, 'conversations.json');
writeFileSync(file, JSON.stringify(conversations.map(toChatgpt)));

const env = { VIVIM_DATA_DIR: path.join(dir, 'data'), PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', PUBLIC_URL: 'http://localhost:3000', EMBEDDING_PROVIDER: process.env.EVAL_EMBEDDINGS ?? 'off' };
const server = await startServer(loadConfig(env));
try {
  const caller = createLocalCaller(server.runtime);
  await caller.auth.users.create({ email: 'sam@example.com', password: 'correct horse battery staple', isAdmin: true });
  const owner = await server.runtime.services.auth.findByEmail('sam@example.com');
  const { importId } = await server.runtime.services.capture.importer.create(owner.id, { path: file, fileName: 'conversations.json', copy: true }, false);
  const report = await server.runtime.services.capture.importer.run(importId, { log: server.runtime.log });
  const started = performance.now();
  for (;;) {
    if ((await fetch(`${server.url}/ready?idle=1`)).status === 200) break;
    if (performance.now() - started > 20 * 60_000) throw new Error('background jobs did not finish in 20 minutes');
    await new Promise((r) => setTimeout(r, 1000));
  }
  // What a running server does within half a minute of new data (PGlite has no autovacuum).
  await server.runtime.maintenance?.runOnce();
  const counter = await tokenCounter(undefined);
  const rows = await server.runtime.deps.em().execute<{ text: string }[]>('select text from capture_message where owner_id = ?', [owner.id]);
  const historyTokens = rows.reduce((sum, row) => sum + counter.count(row.text), 0);
  log({ step: 'history', sessions: 40, distractorConversations: 150, conversations: report.conversations, messages: report.messages, historyTokens, questions: questions.length, jobsSeconds: round((performance.now() - started) / 1000, 1), modules: server.runtime.deps.kernel.modules, embeddings: env.EMBEDDING_PROVIDER });

  const { key } = await caller.auth.apiKeys.createFor({ email: 'sam@example.com', name: 'eval', scopes: ['read'] });
  for (const budget of [2000, 8000]) {
    let hits = 0;
    let tokens = 0;
    const byLayer: Record<string, number> = {};
    const misses: string[] = [];
    for (const q of questions) {
      const response = await fetch(`${server.url}/api/v1/context`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ prompt: q.text, budget }) });
      const body = (await response.json()) as { totalTokens: number; sections: { layer: string; items: { sourceMessageId: string | null }[] }[] };
      if (!response.ok) throw new Error(`compile failed: ${JSON.stringify(body)}`);
      tokens += body.totalTokens;
      const want = evidenceIds.get(q.evidence);
      const layer = body.sections.find((s) => s.items.some((i) => i.sourceMessageId === want))?.layer;
      if (layer) {
        hits += 1;
        byLayer[layer] = (byLayer[layer] ?? 0) + 1;
      } else misses.push(q.text);
    }
    log({ step: 'recall', budget, evidenceRecall: round(hits / questions.length), hits, questions: questions.length, evidenceFoundIn: byLayer, avgTokens: Math.round(tokens / questions.length), shareOfHistory: round(tokens / questions.length / historyTokens, 4), missed: misses.slice(0, 8) });
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

