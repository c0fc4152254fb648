// Synthetic but realistic chat libraries for the search bench and eval: conversations across many
// subjects (programming with code in several languages, cooking, travel, health, finance, writing,
// DevOps, math, gardening, language learning, careers, home repair), short user questions and longer
// assistant answers, titles, dates spread over two years, written as real export files (ChatGPT's
// `conversations.json` mapping tree, Claude's `chat_messages` export, VIVIM JSON for the generic
// importer). Deterministic for a given seed.

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const int = (r: Rand, min: number, max: number) => min + Math.floor(r() * (max - min + 1));
const fill = (template: string, slots: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_all, key: string) => slots[key] ?? key);

interface Subject {
  name: string;
  /** Main things a conversation is about. */
  topics: readonly string[];
  /** Secondary words for variety. */
  extras: readonly string[];
  titles: readonly string[];
  questions: readonly string[];
  followUps: readonly string[];
  answers: readonly string[];
  shortAnswers: readonly string[];
  code?: (r: Rand, topic: string, extra: string) => string;
}

const LANGS = {
  python: (fn: string, x: string) => `\`\`\`python\ndef ${fn}(items):\n    """${x}"""\n    seen = {}\n    for item in items:\n        seen[item.key] = seen.get(item.key, 0) + 1\n    return sorted(seen.items(), key=lambda kv: kv[1], reverse=True)\n\`\`\``,
  typescript: (fn: string, x: string) => `\`\`\`ts\n// ${x}\nexport async function ${fn}(url: string, retries = 3): Promise<Response> {\n  for (let attempt = 1; ; attempt++) {\n    const res = await fetch(url);\n    if (res.ok || attempt >= retries) return res;\n    await new Promise((r) => setTimeout(r, 2 ** attempt * 100));\n  }\n}\n\`\`\``,
  rust: (fn: string, x: string) => `\`\`\`rust\n// ${x}\nfn ${fn}(input: &str) -> Result<Vec<u32>, std::num::ParseIntError> {\n    input.split(',').map(|s| s.trim().parse::<u32>()).collect()\n}\n\`\`\``,
  go: (fn: string, x: string) => `\`\`\`go\n// ${x}\nfunc ${fn}(ctx context.Context, jobs <-chan Job) error {\n\tfor {\n\t\tselect {\n\t\tcase <-ctx.Done():\n\t\t\treturn ctx.Err()\n\t\tcase j := <-jobs:\n\t\t\tif err := j.Run(); err != nil {\n\t\t\t\treturn err\n\t\t\t}\n\t\t}\n\t}\n}\n\`\`\``,
  sql: (fn: string, x: string) => `\`\`\`sql\n-- ${x}\ncreate index ${fn}_idx on orders (customer_id, created_at desc);\nselect customer_id, count(*) as n, sum(total) as revenue\nfrom orders where created_at > now() - interval '30 days'\ngroup by customer_id order by revenue desc limit 20;\n\`\`\``,
  bash: (fn: string, x: string) => `\`\`\`bash\n# ${x}\nset -euo pipefail\nfor f in logs/*.log; do\n  grep -c "ERROR" "$f" | xargs -I{} echo "$f: {} errors"\ndone\n${fn}() { tar czf backup-$(date +%F).tgz "$1"; }\n\`\`\``,
} as const;

const codeFor = (lang: keyof typeof LANGS) => (r: Rand, topic: string, extra: string) => LANGS[lang](pick(r, ['parse_input', 'count_items', 'fetchWithRetry', 'run_workers', 'orders_recent', 'backup_dir', 'normalize', 'merge_records']).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), `${topic}: ${extra}`);

const programming = (lang: keyof typeof LANGS, label: string, topics: string[], extras: string[]): Subject => ({
  name: `programming-${lang}`,
  topics,
  extras,
  titles: [`${label} {topic} question`, `Fixing {topic} in ${label}`, `{topic} with {extra}`, `${label}: {topic} help`, `Debugging {topic}`],
  questions: [
    `How do I handle {topic} in ${label}? I keep running into problems with {extra}.`,
    `My ${label} code for {topic} is slow when the input gets large. Any idea why?`,
    `Can you explain {topic} in ${label} with a short example?`,
    `I get an error about {extra} when I try {topic}. What am I doing wrong?`,
    `What's the idiomatic way to do {topic} in ${label} these days?`,
    `Is it better to use {extra} or write {topic} by hand?`,
  ],
  followUps: ['That worked, thanks. What about {extra}?', 'Could you add error handling to that?', 'How would I test this?', 'Does that still hold with {extra}?', 'Can you make it shorter?', 'Why does the second version run faster?'],
  answers: [
    `Good question. For {topic} in ${label} the usual approach is to keep the data flow simple and let {extra} do the heavy lifting. Here is a minimal version:\n\n{code}\n\nThe important part is that each step is small enough to test on its own. If the input is large, avoid building intermediate lists: stream the items instead and measure again before optimising further.`,
    `The error comes from how {extra} interacts with {topic}. ${label} evaluates the expression before the value is ready, so you end up reading stale state. Restructure it like this:\n\n{code}\n\nWith that change the function is deterministic, and you can add a unit test that feeds it a handful of edge cases: an empty input, a single item and a very long list.`,
    `There are three things to check. First, whether {topic} is really the bottleneck: profile it. Second, whether {extra} is called inside a loop where it could be hoisted out. Third, allocation: reuse buffers where you can. A cleaned-up version:\n\n{code}\n\nOn my machine this runs about {n} times faster on ten thousand records.`,
    `In modern ${label} you would write {topic} with the standard library and reach for {extra} only when you need its extra guarantees. Example:\n\n{code}\n\nKeep the public interface small, document the failure cases and log enough context to debug production issues later.`,
  ],
  shortAnswers: ['Yes, the same approach works, just wrap the call in a try block and log the failure.', 'Use a table-driven test: list inputs and expected outputs, loop over them.', 'It avoids copying the whole collection on every iteration, which is where the time went.', 'Sure, the short version drops the retry loop but keeps the validation.'],
  code: codeFor(lang),
});

const SUBJECTS: readonly Subject[] = [
  programming('python', 'Python', ['list comprehensions', 'asyncio tasks', 'pandas groupby', 'dataclasses', 'virtual environments', 'type hints', 'decorators', 'file parsing'], ['generators', 'mypy', 'numpy', 'pytest fixtures', 'the GIL', 'pydantic', 'csv module']),
  programming('typescript', 'TypeScript', ['generics', 'discriminated unions', 'React state', 'async iterators', 'module resolution', 'zod schemas', 'fetch retries', 'strict null checks'], ['tsconfig paths', 'ESM imports', 'Vite', 'Node streams', 'eslint rules', 'Vue components', 'Express middleware']),
  programming('rust', 'Rust', ['borrow checker errors', 'lifetimes', 'error handling with Result', 'trait objects', 'async with tokio', 'iterators', 'serde parsing'], ['Arc and Mutex', 'clippy', 'cargo features', 'Box<dyn Error>', 'the ? operator', 'channels']),
  programming('go', 'Go', ['goroutines', 'context cancellation', 'interfaces', 'worker pools', 'JSON decoding', 'HTTP handlers', 'generics'], ['sync.WaitGroup', 'select statements', 'go vet', 'table tests', 'errgroup', 'pprof']),
  programming('sql', 'SQL', ['slow queries', 'composite indexes', 'window functions', 'joins', 'deadlocks', 'migrations', 'CTEs'], ['EXPLAIN ANALYZE', 'Postgres', 'MySQL', 'vacuum', 'partial indexes', 'foreign keys', 'isolation levels']),
  programming('bash', 'Bash', ['log rotation', 'cron jobs', 'find and xargs', 'backups', 'text processing with awk', 'exit codes', 'ssh tunnels'], ['set -euo pipefail', 'systemd timers', 'rsync', 'sed', 'here documents', 'jq']),
  {
    name: 'devops',
    topics: ['Kubernetes deployments', 'Docker images', 'CI pipelines', 'Terraform modules', 'nginx reverse proxy', 'TLS certificates', 'Prometheus alerts', 'blue-green releases'],
    extras: ['readiness probes', 'Helm charts', 'GitHub Actions', 'multi-stage builds', 'Let\'s Encrypt', 'Grafana dashboards', 'resource limits', 'secrets'],
    titles: ['{topic} troubleshooting', 'Setting up {topic}', '{topic} and {extra}', 'Production issue: {topic}'],
    questions: ['Our {topic} keep failing after the last change to {extra}. Where should I start looking?', 'What is a sensible setup for {topic} in a small team?', 'How do I roll back {topic} safely?', 'Why are my {topic} so slow compared to last month?'],
    followUps: ['The logs show a timeout after 30 seconds.', 'We use {extra} already, does that change anything?', 'How do I monitor this?', 'Is there a way to automate that check?'],
    answers: [
      'Start with the events and the logs: most failures with {topic} show up there first. Check {extra} next, because a misconfiguration there blocks the rollout without an obvious error. Then compare the running configuration with what is in version control; drift is common after manual fixes.\n\n```yaml\napiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 3\n  strategy:\n    rollingUpdate: { maxUnavailable: 0, maxSurge: 1 }\n```\n\nKeep the change small, apply it, and watch the metrics for ten minutes before moving on.',
      'For a small team, keep {topic} boring: one environment per branch is too much, two (staging and production) is usually enough. Put {extra} in code, review it like application code and document the rollback path. Alerts should page only on symptoms users notice; everything else can wait for working hours.',
      'A safe rollback of {topic} needs the previous artifact to still exist and the database schema to stay compatible. Tag every release, keep the last {n} images, and make migrations additive so the old version can run against the new schema. Practise the rollback once on staging so nobody learns it during an incident.',
    ],
    shortAnswers: ['A 30 second timeout usually means the upstream is not listening on the port you think.', 'It helps: {extra} gives you the history you need to compare.', 'Export the metric and add an alert on the error rate, not on CPU.', 'Yes, a scheduled job in CI can run the check every night.'],
  },
  {
    name: 'cooking',
    topics: ['sourdough bread', 'risotto', 'chicken curry', 'lasagna', 'pancakes', 'vegetable soup', 'chocolate cake', 'ramen broth', 'pizza dough', 'lemon tart'],
    extras: ['cast iron pan', 'oven temperature', 'fresh herbs', 'gluten-free flour', 'slow cooker', 'brown butter', 'smoked paprika', 'coconut milk'],
    titles: ['Making {topic}', '{topic} recipe tweaks', '{topic} for a dinner party', 'Why my {topic} failed'],
    questions: ['I tried making {topic} last weekend and it came out dense. What went wrong?', 'Can I make {topic} ahead of time and reheat it?', 'How do I adapt a {topic} recipe for a {extra}?', 'What is the secret to really good {topic}?'],
    followUps: ['What temperature exactly?', 'Can I freeze it?', 'I only have {extra}, will that work?', 'How long does it keep in the fridge?'],
    answers: [
      'Dense {topic} usually means too little time or too much flour. Weigh the ingredients instead of using cups, let it rest longer than you think, and check the {extra} before you start. For six people: {n}00 g of the main ingredient, a good pinch of salt, and taste as you go. Finish with something fresh and acidic so the flavours do not feel flat.',
      'Yes, {topic} reheats well if you undercook it slightly the first time. Cool it quickly, keep it covered in the fridge for up to three days, and reheat gently with a splash of water or stock. The {extra} makes a difference at the end: add it just before serving.',
      'The secret to {topic} is patience with the base: brown things properly, season in layers, and do not crowd the pan. A {extra} helps because it holds heat evenly. Most home cooks rush the first fifteen minutes, and that is where the flavour comes from.',
    ],
    shortAnswers: ['Around 180 °C (350 °F) in a fan oven, a little hotter without the fan.', 'It freezes well for about three months; thaw it overnight in the fridge.', 'That works, just reduce the liquid a bit.', 'Three to four days, covered.'],
  },
  {
    name: 'travel',
    topics: ['a week in Lisbon', 'Japan by train', 'hiking in Patagonia', 'a weekend in Rome', 'Iceland ring road', 'backpacking Vietnam', 'Paris with kids', 'the Scottish Highlands'],
    extras: ['rail pass', 'travel insurance', 'budget hotels', 'local SIM card', 'visa rules', 'rental car', 'night trains', 'packing light'],
    titles: ['Planning {topic}', 'Itinerary for {topic}', '{topic} on a budget', 'Questions about {topic}'],
    questions: ['I am planning {topic} in the spring. What should I not miss?', 'Is a {extra} worth it for {topic}?', 'How many days do I need for {topic}?', 'What is the cheapest way to do {topic}?'],
    followUps: ['What about food?', 'Is it safe to go alone?', 'Do I need to book in advance?', 'Which month has the best weather?'],
    answers: [
      'For {topic}, plan fewer places and more time in each: travel days eat more of the trip than people expect. Book the first and last nights in advance, leave the middle flexible, and check the {extra} before you go. Mornings are the best time for the famous sights; afternoons are for wandering and long lunches.',
      'A {extra} pays off for {topic} only if you move every day or two. Add up the individual tickets for your route first. Many travellers find that regional tickets bought on the day are cheaper and more flexible. Keep copies of your documents on your phone and on paper.',
      'Around {n} days is comfortable for {topic}. Fewer and you will spend most of it in transit; more and you can add a slow day or two, which is usually the highlight. Shoulder season gives you lower prices and fewer crowds.',
    ],
    shortAnswers: ['Eat where the locals queue at lunch; the set menus are great value.', 'Yes, it is generally safe; use common sense at night and keep valuables close.', 'Book the popular places two or three weeks ahead in high season.', 'Late spring or early autumn.'],
  },
  {
    name: 'health',
    topics: ['half marathon training', 'lower back pain', 'sleep schedule', 'strength training', 'knee pain when running', 'high blood pressure diet', 'stretching routine', 'caffeine intake'],
    extras: ['physiotherapist', 'rest days', 'protein intake', 'foam roller', 'heart rate zones', 'magnesium', 'standing desk', 'hydration'],
    titles: ['{topic} advice', 'Help with {topic}', '{topic} plan', 'Questions about {topic}'],
    questions: ['I started {topic} three weeks ago and I feel exhausted. Is that normal?', 'What does a good week of {topic} look like for a beginner?', 'Should I see a {extra} about {topic}?', 'How long before {topic} shows results?'],
    followUps: ['How many rest days?', 'Does age matter?', 'What if it gets worse?', 'Is {extra} important for this?'],
    answers: [
      'Feeling tired early in {topic} is common, but it is also a sign to back off a little. Increase the load by about ten percent a week at most, sleep seven to nine hours, and keep at least two {extra} in the week. If pain is sharp, gets worse or lasts more than a few days, see a professional rather than pushing through. I am not a doctor, so treat this as general information.',
      'A beginner week of {topic} could be three short sessions, one longer easy one, and the rest of the days light movement like walking. Track how you feel, not only the numbers, and talk to a {extra} if something hurts in the same place twice.',
      'Most people notice the first changes from {topic} after four to {n} weeks of consistent effort. Consistency beats intensity: missing one day does not matter, missing two weeks does. Write down what you do so you can see the progress.',
    ],
    shortAnswers: ['Two rest days a week is a good starting point.', 'Recovery gets slower with age, so add an extra easy day.', 'Stop and get it checked by a doctor.', 'It helps, but sleep matters more.'],
  },
  {
    name: 'finance',
    topics: ['an emergency fund', 'index funds', 'paying off a mortgage early', 'a monthly budget', 'retirement savings', 'credit card debt', 'freelance taxes', 'buying versus renting'],
    extras: ['interest rates', 'ETFs', 'a spreadsheet', 'compound interest', 'tax-advantaged accounts', 'inflation', 'the 50/30/20 rule', 'an accountant'],
    titles: ['Thinking about {topic}', '{topic} question', 'Budgeting: {topic}', 'Should I prioritise {topic}?'],
    questions: ['How much should I keep in {topic}?', 'Does {topic} make sense when {extra} are this high?', 'I am 30 and have never thought about {topic}. Where do I start?', 'What are the risks of {topic}?'],
    followUps: ['What about inflation?', 'Is a robo-advisor OK?', 'How often should I check it?', 'Does {extra} change the answer?'],
    answers: [
      'A common rule of thumb for {topic} is three to six months of essential expenses, more if your income is irregular. Keep it somewhere boring and easy to reach. Once it is in place, direct extra money to high-interest debt first, then to long-term investing. Consider {extra} when you choose where to put it. This is general information, not personal financial advice.',
      'Whether {topic} makes sense depends on the gap between the return you expect and {extra}. Write down the numbers in a spreadsheet: the guaranteed saving from one option versus the expected but uncertain return of the other. Many people split the difference and do both at a moderate pace.',
      'Start {topic} with what you spend: track a month of expenses, then set up an automatic transfer on payday so saving happens before spending. Low-cost, diversified funds are the default for long horizons; the fee difference over {n}0 years is larger than most people think.',
    ],
    shortAnswers: ['Inflation erodes cash, which is why the long-term money should be invested.', 'A low-cost robo-advisor is a reasonable choice for most people.', 'Once or twice a year is plenty.', 'It shifts the balance a little, not the overall plan.'],
  },
  {
    name: 'writing',
    topics: ['a cover letter', 'a short story opening', 'a wedding speech', 'a product announcement', 'a thesis introduction', 'a difficult email to my manager', 'a blog post about remote work', 'a grant proposal'],
    extras: ['active voice', 'a strong hook', 'shorter sentences', 'a clear structure', 'the word count', 'a friendly tone', 'concrete examples', 'the audience'],
    titles: ['Help writing {topic}', 'Feedback on {topic}', 'Editing {topic}', 'Drafting {topic}'],
    questions: ['Can you help me write {topic}? I want it to sound natural.', 'Here is my draft of {topic}. How can I make it better?', 'What makes {topic} memorable?', 'I am stuck on {topic}, how should I start?'],
    followUps: ['Can you make it more formal?', 'Shorter please.', 'Can you add a joke at the end?', 'Does it need {extra}?'],
    answers: [
      'Here is a draft for {topic}. I kept {extra} in mind and left placeholders where you should add your own details:\n\nDear team, I wanted to share something that has been on my mind for a while. Over the past months we have learned a lot, and I believe the next step is clear. I would love your thoughts before we decide.\n\nRead it aloud once: anything that makes you stumble is worth rewriting.',
      'Your draft of {topic} has a good core idea, but the first paragraph takes too long to get there. Open with the point, then support it. Cut adverbs, prefer {extra}, and end with a specific next step instead of a general summary.',
      'Memorable {topic} usually has one specific image or story rather than many general claims. Pick the moment that matters most, describe it concretely, and connect it to your message in one sentence. Keep an eye on {extra}.',
    ],
    shortAnswers: ['Sure, here is a more formal version with the same structure.', 'Here it is in half the length.', 'Added a light closing line; keep it only if it fits the room.', 'Yes, a little more of it would help.'],
  },
  {
    name: 'math',
    topics: ['derivatives', 'eigenvalues', 'Bayes theorem', 'integration by parts', 'standard deviation', 'modular arithmetic', 'linear regression', 'probability of dice rolls'],
    extras: ['the chain rule', 'a matrix', 'conditional probability', 'a worked example', 'the normal distribution', 'prime numbers', 'least squares', 'expected value'],
    titles: ['Understanding {topic}', '{topic} homework', '{topic} explained', 'Question about {topic}'],
    questions: ['Can you explain {topic} like I am a first-year student?', 'I do not get why {extra} matters for {topic}.', 'How do I solve this {topic} problem step by step?', 'Where is {topic} used in practice?'],
    followUps: ['Can you show another example?', 'Why does that step work?', 'Is there a shortcut?', 'How would I check my answer?'],
    answers: [
      'Think of {topic} as a way of asking one precise question about a quantity. With {extra}, the steps are: write down what you know, apply the definition, simplify. For example, $$f(x) = x^{n} \\Rightarrow f\'(x) = n x^{n-1}$$ and the same pattern repeats in harder problems. Check each step by plugging in a small number.',
      'The reason {extra} matters for {topic} is that it lets you break a hard problem into two easier ones. Once you see the structure, most exercises are the same three moves. Try it on a small case first, say {n} elements, and verify by hand.',
      '{topic} shows up everywhere: in machine learning, in finance, in physics. In practice you rarely compute it by hand, but understanding {extra} tells you when the software gives you nonsense.',
    ],
    shortAnswers: ['Sure: take the same steps with different numbers and the pattern is identical.', 'Because both sides are multiplied by the same non-zero value.', 'For this family of problems, yes: memorise the standard result.', 'Substitute the answer back into the original equation.'],
  },
  {
    name: 'gardening',
    topics: ['tomato plants', 'a vegetable patch', 'houseplants', 'composting', 'a lawn', 'roses', 'herbs on a balcony', 'fruit trees'],
    extras: ['aphids', 'watering schedule', 'clay soil', 'mulch', 'pruning', 'full sun', 'organic fertiliser', 'frost'],
    titles: ['Garden: {topic}', '{topic} problems', 'Growing {topic}', 'Help with {topic}'],
    questions: ['The leaves on my {topic} are turning yellow. What is happening?', 'When should I plant {topic}?', 'How do I deal with {extra} on {topic}?', 'What is the easiest way to start with {topic}?'],
    followUps: ['How often should I water?', 'Is it too late this year?', 'Can I use coffee grounds?', 'What about {extra}?'],
    answers: [
      'Yellow leaves on {topic} are most often a watering problem: too much or too little. Check the soil a finger deep before watering, make sure pots drain, and look under the leaves for {extra}. A thin layer of mulch keeps moisture even.',
      'Plant {topic} after the last frost in your area, when the soil has warmed up. Give them {extra} and enough space for air to move between plants, which prevents most fungal problems.',
      'Start small with {topic}: one bed or a few pots, good soil, and a plan for {extra}. Keep notes on what you planted where; next year you will thank yourself.',
    ],
    shortAnswers: ['Deeply twice a week is better than a little every day.', 'Not if you pick a fast variety.', 'In moderation, mixed into compost.', 'That helps, but it is not the main thing.'],
  },
  {
    name: 'language',
    topics: ['learning Spanish', 'Japanese kanji', 'German grammar', 'French pronunciation', 'Italian verbs', 'Mandarin tones', 'Portuguese for travel'],
    extras: ['flashcards', 'a language exchange', 'podcasts', 'spaced repetition', 'a tutor', 'reading news', 'writing a diary'],
    titles: ['{topic} tips', 'Progress with {topic}', 'Study plan: {topic}', 'Stuck with {topic}'],
    questions: ['I have been {topic} for six months and I still cannot hold a conversation. Any advice?', 'Are {extra} useful for {topic}?', 'How much time a day should I spend on {topic}?'],
    followUps: ['Which app do you recommend?', 'What about grammar?', 'How do I stay motivated?'],
    answers: [
      'Six months of {topic} without conversation practice is very common. Add {extra} and speak from the first week, even badly. Input matters too: listen to things you enjoy for twenty minutes a day.',
      '{extra} are useful for {topic} as long as you review daily and add words you actually met. Combine them with real material, otherwise you learn lists and not the language.',
    ],
    shortAnswers: ['Any spaced repetition app works; consistency matters more than the tool.', 'Learn grammar from examples you already understand.', 'Set a tiny daily minimum you can always meet.'],
  },
  {
    name: 'career',
    topics: ['a salary negotiation', 'a job interview', 'switching careers', 'a performance review', 'asking for a promotion', 'managing a new team'],
    extras: ['my manager', 'a counter-offer', 'the STAR method', 'feedback', 'impostor syndrome', 'one-on-ones'],
    titles: ['Preparing for {topic}', 'Advice on {topic}', '{topic}'],
    questions: ['I have {topic} next week. How should I prepare?', 'How do I bring up {topic} with {extra}?', 'What mistakes do people make in {topic}?'],
    followUps: ['What if they say no?', 'How do I follow up?', 'Should I mention {extra}?'],
    answers: [
      'For {topic}, prepare three concrete examples of work you are proud of with numbers attached, and one honest story about a mistake and what you changed. Practise out loud. Think about {extra} ahead of time so it does not surprise you.',
      'The most common mistake in {topic} is talking about effort instead of results. Lead with the outcome, then explain how you got there. Ask what success looks like in six months, and listen.',
    ],
    shortAnswers: ['Ask what would need to change for a yes, and agree on a date to revisit.', 'Send a short thank-you note the next day.', 'Only if it helps your case.'],
  },
  {
    name: 'home',
    topics: ['a leaking tap', 'painting a room', 'a squeaky door', 'mould in the bathroom', 'a slow drain', 'insulating the attic', 'hanging shelves'],
    extras: ['silicone sealant', 'wall anchors', 'a plumber', 'primer', 'ventilation', 'a stud finder'],
    titles: ['DIY: {topic}', 'Fixing {topic}', '{topic} help'],
    questions: ['How do I fix {topic} myself?', 'Is {topic} something I can do without {extra}?', 'What tools do I need for {topic}?'],
    followUps: ['How long does it take?', 'What if it happens again?', 'Is it expensive?'],
    answers: [
      'You can usually handle {topic} yourself in an afternoon. Turn off what needs turning off, take a photo before you dismantle anything, and have {extra} ready. Work slowly and test before you put everything back.',
      'For {topic} you need basic tools and {extra}. If you find water damage or wiring you are not sure about, stop and call a professional: the repair is cheap compared with the damage.',
    ],
    shortAnswers: ['An hour or two for most people.', 'Then the cause is elsewhere; check the seal and ventilation.', 'The parts cost little; the time is the main cost.'],
  },
];

export const SUBJECT_NAMES = SUBJECTS.map((s) => s.name);

/** One generated turn. */
export interface Turn {
  role: 'user' | 'assistant';
  text: string;
}

/** A generated conversation (before conversion to an export format). */
export interface Conversation {
  id: string;
  title: string;
  subject: string;
  /** Unix seconds. */
  createdAt: number;
  turns: Turn[];
  model: string;
}

const TWO_YEARS = 730 * 86_400;
const END = Date.UTC(2026, 9, 31) / 1000;

/** A conversation from a subject's templates; `messages` is the number of visible turns. */
export function generateConversation(index: number, messages: number, options: { seed?: number; idPrefix?: string } = {}): Conversation {
  const r = rng((options.seed ?? 1) * 1_000_003 + index);
  const subject = pick(r, SUBJECTS);
  const topic = pick(r, subject.topics);
  const slots = () => {
    const extra = pick(r, subject.extras);
    const s: Record<string, string> = { topic, extra, n: String(int(r, 2, 9)) };
    s.code = subject.code ? subject.code(r, topic, extra) : '';
    return s;
  };
  const turns: Turn[] = [];
  for (let m = 0; m < messages; m++) {
    const s = slots();
    if (m % 2 === 0) {
      turns.push({ role: 'user', text: fill(m === 0 ? pick(r, subject.questions) : r() < 0.5 ? pick(r, subject.followUps) : pick(r, subject.questions), s) });
    } else {
      const short = m > 1 && r() < 0.35;
      turns.push({ role: 'assistant', text: fill(short ? pick(r, subject.shortAnswers) : pick(r, subject.answers), s) });
    }
  }
  const title = fill(pick(r, subject.titles), { topic, extra: pick(r, subject.extras) });
  return {
    id: `${options.idPrefix ?? 'gen'}-${index}`,
    title: title.charAt(0).toUpperCase() + title.slice(1),
    subject: subject.name,
    createdAt: Math.round(END - r() * TWO_YEARS),
    turns,
    model: pick(r, ['gpt-4o', 'gpt-4o-mini', 'o3', 'gpt-4.1']),
  };
}

/** Conversations adding up to `messages` visible turns (4–36 per conversation, ~20 on average). */
export function* generateLibrary(messages: number, options: { seed?: number; idPrefix?: string } = {}): Generator<Conversation> {
  const r = rng(options.seed ?? 7);
  let left = messages;
  for (let i = 0; left > 0; i++) {
    const n = Math.min(left, 2 * int(r, 2, 18));
    left -= n;
    yield generateConversation(i, n, options);
  }
}

/** A conversation in ChatGPT's `conversations.json` shape (mapping tree, hidden system root). */
export function toChatgpt(c: Conversation): Record<string, unknown> {
  const mapping: Record<string, { id: string; parent: string | null; children: string[]; message: unknown }> = {};
  const root = `${c.id}-root`;
  mapping[root] = { id: root, parent: null, children: [`${c.id}-sys`], message: null };
  mapping[`${c.id}-sys`] = {
    id: `${c.id}-sys`,
    parent: root,
    children: [],
    message: { id: `${c.id}-sys`, author: { role: 'system', name: null, metadata: {} }, create_time: c.createdAt, content: { content_type: 'text', parts: [''] }, status: 'finished_successfully', weight: 0, metadata: { is_visually_hidden_from_conversation: true }, recipient: 'all' },
  };
  let parent = `${c.id}-sys`;
  c.turns.forEach((turn, m) => {
    const mid = messageId(c, m);
    mapping[mid] = {
      id: mid,
      parent,
      children: [],
      message: {
        id: mid,
        author: { role: turn.role, name: null, metadata: {} },
        create_time: c.createdAt + m * 45,
        update_time: null,
        content: { content_type: 'text', parts: [turn.text] },
        status: 'finished_successfully',
        end_turn: turn.role === 'assistant' ? true : null,
        weight: 1,
        metadata: turn.role === 'assistant' ? { model_slug: c.model } : {},
        recipient: 'all',
      },
    };
    mapping[parent]!.children.push(mid);
    parent = mid;
  });
  return { id: c.id, conversation_id: c.id, title: c.title, create_time: c.createdAt, update_time: c.createdAt + c.turns.length * 45, mapping, current_node: parent, default_model_slug: c.model };
}

/** A conversation in Claude's export shape (`chat_messages`). */
export function toClaude(c: Conversation): Record<string, unknown> {
  const iso = (s: number) => new Date(s * 1000).toISOString();
  return {
    uuid: uuidFor(c.id),
    name: c.title,
    summary: '',
    created_at: iso(c.createdAt),
    updated_at: iso(c.createdAt + c.turns.length * 45),
    account: { uuid: 'bench-account' },
    chat_messages: c.turns.map((turn, m) => ({
      uuid: uuidFor(messageId(c, m)),
      text: turn.text,
      content: [{ type: 'text', text: turn.text, citations: [] }],
      sender: turn.role === 'user' ? 'human' : 'assistant',
      created_at: iso(c.createdAt + m * 45),
      updated_at: iso(c.createdAt + m * 45),
      attachments: [],
      files: [],
    })),
  };
}

/** A conversation in VIVIM JSON (the generic importer). */
export function toGeneric(c: Conversation): Record<string, unknown> {
  return {
    id: c.id,
    title: c.title,
    createdAt: new Date(c.createdAt * 1000).toISOString(),
    messages: c.turns.map((turn, m) => ({ id: messageId(c, m), parentId: m === 0 ? null : messageId(c, m - 1), role: turn.role, content: turn.text, createdAt: new Date((c.createdAt + m * 45) * 1000).toISOString() })),
  };
}

/** The source message id of turn `m` in the ChatGPT and generic forms. */
export function messageId(c: Conversation, m: number): string {
  return `${c.id}-m${m}`;
}

/** A stable UUID-shaped id (Claude's exports use UUIDs). */
export function uuidFor(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const hex: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < text.length; i++) {
      h1 = Math.imul(h1 ^ text.charCodeAt(i), 16777619) >>> 0;
      h2 = Math.imul(h2 ^ (text.charCodeAt(i) + round), 2246822519) >>> 0;
    }
    hex.push(((h1 ^ h2) >>> 0).toString(16).padStart(8, '0'));
  }
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
