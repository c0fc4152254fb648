import { entityKey } from './text.ts';

/**
 * The curated dictionary of technologies (and, below, well-known organizations): canonical name → aliases. Aliases are matched on word
 * boundaries, case-insensitively, except those listed in AMBIGUOUS (ordinary English words or
 * single letters, matched only with the exact casing shown and not at the start of a sentence).
 */
const TECHNOLOGIES: Record<string, readonly string[]> = {
  // Languages
  JavaScript: ['javascript', 'js', 'ecmascript', 'es6'],
  TypeScript: ['typescript', 'ts'],
  Python: ['python', 'python3', 'py'],
  Java: ['java'],
  Kotlin: ['kotlin'],
  Swift: ['Swift'],
  'Objective-C': ['objective-c', 'objc'],
  'C#': ['c#', 'csharp'],
  'C++': ['c++', 'cpp'],
  C: ['C'],
  Go: ['golang', 'Go'],
  Rust: ['Rust'],
  Ruby: ['ruby'],
  PHP: ['php'],
  Elixir: ['elixir'],
  Erlang: ['erlang'],
  Haskell: ['haskell'],
  Scala: ['scala'],
  Clojure: ['clojure'],
  Lua: ['lua'],
  Perl: ['perl'],
  R: ['R'],
  Julia: ['Julia'],
  Dart: ['Dart'],
  Zig: ['zig'],
  SQL: ['sql'],
  HTML: ['html', 'html5'],
  CSS: ['css', 'css3'],
  Sass: ['sass', 'scss'],
  Bash: ['bash', 'shell script', 'sh', 'zsh'],
  PowerShell: ['powershell', 'pwsh', 'ps1'],
  WebAssembly: ['webassembly', 'wasm'],
  Solidity: ['solidity'],
  GraphQL: ['graphql'],
  YAML: ['yaml', 'yml'],
  JSON: ['json'],
  XML: ['xml'],
  Markdown: ['markdown'],
  LaTeX: ['latex'],
  Mermaid: ['mermaid'],
  // Frameworks and libraries
  React: ['react', 'reactjs', 'react.js'],
  'React Native': ['react native'],
  'Next.js': ['next.js', 'nextjs'],
  Vue: ['vue', 'vue.js', 'vuejs'],
  Nuxt: ['nuxt', 'nuxt.js', 'nuxtjs'],
  Angular: ['angular', 'angularjs'],
  Svelte: ['svelte', 'sveltekit'],
  'Node.js': ['node.js', 'nodejs', 'node'],
  Deno: ['deno'],
  Bun: ['Bun'],
  Express: ['express.js', 'expressjs', 'Express'],
  Fastify: ['fastify'],
  NestJS: ['nestjs'],
  tRPC: ['trpc'],
  Django: ['django'],
  Flask: ['flask'],
  FastAPI: ['fastapi'],
  'Ruby on Rails': ['ruby on rails', 'rails'],
  Laravel: ['laravel'],
  Spring: ['spring boot', 'Spring'],
  '.NET': ['.net', 'dotnet', 'asp.net'],
  Flutter: ['flutter'],
  'Tailwind CSS': ['tailwind', 'tailwindcss', 'tailwind css'],
  Bootstrap: ['bootstrap'],
  jQuery: ['jquery'],
  'Three.js': ['three.js', 'threejs'],
  GSAP: ['gsap'],
  Redux: ['redux'],
  Pinia: ['pinia'],
  Vite: ['vite'],
  Webpack: ['webpack'],
  Vitest: ['vitest'],
  Jest: ['jest'],
  Playwright: ['playwright'],
  Puppeteer: ['puppeteer'],
  Cypress: ['cypress'],
  Pester: ['pester'],
  PSScriptAnalyzer: ['psscriptanalyzer'],
  ESLint: ['eslint'],
  Prettier: ['prettier'],
  Zod: ['zod'],
  Prisma: ['prisma'],
  MikroORM: ['mikroorm', 'mikro-orm'],
  SQLAlchemy: ['sqlalchemy'],
  Pandas: ['pandas'],
  NumPy: ['numpy'],
  PyTorch: ['pytorch', 'torch'],
  TensorFlow: ['tensorflow'],
  'scikit-learn': ['scikit-learn', 'sklearn'],
  LangChain: ['langchain'],
  LlamaIndex: ['llamaindex'],
  'Hugging Face': ['hugging face', 'huggingface'],
  libp2p: ['libp2p'],
  IPFS: ['ipfs'],
  // Databases and stores
  PostgreSQL: ['postgresql', 'postgres', 'pg', 'psql'],
  MySQL: ['mysql'],
  MariaDB: ['mariadb'],
  SQLite: ['sqlite', 'sqlite3'],
  MongoDB: ['mongodb', 'mongo'],
  Redis: ['redis'],
  Elasticsearch: ['elasticsearch', 'elastic search'],
  Meilisearch: ['meilisearch'],
  Cassandra: ['cassandra'],
  DynamoDB: ['dynamodb'],
  Supabase: ['supabase'],
  Firebase: ['firebase', 'firestore'],
  pgvector: ['pgvector'],
  PGlite: ['pglite'],
  Kafka: ['kafka', 'apache kafka'],
  RabbitMQ: ['rabbitmq'],
  // Infrastructure and cloud
  Docker: ['docker', 'dockerfile', 'docker compose', 'docker-compose'],
  Kubernetes: ['kubernetes', 'k8s', 'kubectl'],
  Helm: ['Helm'],
  Terraform: ['terraform'],
  Ansible: ['ansible'],
  Nginx: ['nginx'],
  Linux: ['linux'],
  Ubuntu: ['ubuntu'],
  Windows: ['Windows'],
  macOS: ['macos', 'osx', 'os x'],
  Git: ['git'],
  GitHub: ['github'],
  'GitHub Actions': ['github actions'],
  GitLab: ['gitlab'],
  AWS: ['aws', 'amazon web services'],
  'AWS Lambda': ['aws lambda', 'lambda functions'],
  S3: ['s3', 'amazon s3'],
  EC2: ['ec2'],
  'Google Cloud': ['google cloud', 'gcp', 'google cloud platform'],
  Azure: ['azure', 'microsoft azure'],
  Cloudflare: ['cloudflare', 'cloudflare workers'],
  Vercel: ['vercel'],
  Netlify: ['netlify'],
  Heroku: ['heroku'],
  Stripe: ['stripe'],
  Chromium: ['chromium'],
  WebRTC: ['webrtc'],
  WebSocket: ['websocket', 'websockets'],
  REST: ['rest api', 'restful'],
  OAuth: ['oauth', 'oauth2'],
  Ethereum: ['ethereum'],
  Bitcoin: ['bitcoin'],
  Blockchain: ['blockchain'],
  // AI models and assistants
  ChatGPT: ['chatgpt', 'chat gpt'],
  'GPT-4': ['gpt-4', 'gpt4', 'gpt-4o', 'gpt-4.1'],
  'GPT-5': ['gpt-5', 'gpt5'],
  Claude: ['claude', 'claude code', 'claude sonnet', 'claude opus'],
  Gemini: ['gemini'],
  Grok: ['grok'],
  DeepSeek: ['deepseek'],
  Qwen: ['qwen'],
  Kimi: ['kimi'],
  Mistral: ['mistral', 'le chat'],
  Llama: ['llama', 'llama 3', 'llama3'],
  GLM: ['glm', 'glm-4', 'glm-4.6', 'glm-4.7'],
  Perplexity: ['perplexity'],
  Copilot: ['copilot', 'github copilot'],
  Cursor: ['Cursor'],
  Ollama: ['ollama'],
  'Stable Diffusion': ['stable diffusion'],
  Midjourney: ['midjourney'],
  Whisper: ['Whisper'],
  BERT: ['bert'],
  Transformers: ['Transformers'],
  MCP: ['mcp', 'model context protocol'],
  SingleFile: ['singlefile'],
};

/** Organizations people's AI conversations name most (compromise misses many of them). */
const ORGANIZATIONS: Record<string, readonly string[]> = {
  OpenAI: ['openai', 'open ai'],
  Anthropic: ['anthropic'],
  Google: ['google'],
  DeepMind: ['deepmind', 'google deepmind'],
  Microsoft: ['microsoft'],
  Meta: ['meta platforms'],
  Apple: ['apple inc'],
  Amazon: ['amazon'],
  Nvidia: ['nvidia'],
  IBM: ['ibm'],
  Oracle: ['oracle'],
  Intel: ['intel'],
  AMD: ['amd'],
  Tesla: ['tesla'],
  xAI: ['xai'],
  Alibaba: ['alibaba'],
  'Moonshot AI': ['moonshot ai', 'moonshot'],
  'Zhipu AI': ['zhipu', 'zhipu ai', 'z.ai'],
  'Mistral AI': ['mistral ai'],
  Mozilla: ['mozilla'],
  'Linux Foundation': ['linux foundation'],
};

/** Aliases that are ordinary words or letters: matched only as written, never at a sentence start. */
const AMBIGUOUS = new Set(['Swift', 'C', 'Go', 'Rust', 'R', 'Julia', 'Dart', 'Bun', 'Express', 'Spring', 'Helm', 'Windows', 'Cursor', 'Whisper', 'Transformers']);

/** One dictionary entry as the matcher sees it. */
export interface TechAlias {
  canonical: string;
  /** True when only the exact casing matches. */
  exact: boolean;
}

const byAlias = new Map<string, TechAlias>();
for (const [canonical, aliases] of [...Object.entries(TECHNOLOGIES), ...Object.entries(ORGANIZATIONS)]) {
  for (const alias of [canonical, ...aliases]) {
    const exact = AMBIGUOUS.has(alias);
    const key = exact ? alias : alias.toLowerCase();
    if (!byAlias.has(key)) byAlias.set(key, { canonical, exact });
  }
}

/** Longest alias, in words (the matcher tries n-grams up to this). */
export const MAX_ALIAS_WORDS = Math.max(...[...byAlias.keys()].map((a) => a.split(' ').length));

/** The technology an n-gram names, if any (`atSentenceStart` turns ambiguous aliases off). */
export function lookupTech(ngram: string, atSentenceStart = false): string | null {
  const exact = byAlias.get(ngram);
  if (exact?.exact) return atSentenceStart ? null : exact.canonical;
  const loose = byAlias.get(ngram.toLowerCase());
  return loose && !loose.exact ? loose.canonical : null;
}

/** Every alias of a dictionary entry (for prompt matching and the DTO), canonical excluded. */
export function techAliases(canonical: string): readonly string[] {
  return (TECHNOLOGIES[canonical] ?? ORGANIZATIONS[canonical] ?? []).filter((a) => a.toLowerCase() !== canonical.toLowerCase());
}

/** The type of a dictionary entry: an organization or (everything else) a technology. */
export function knownType(canonical: string): 'organization' | 'technology' {
  return canonical in ORGANIZATIONS ? 'organization' : 'technology';
}

const byKey = new Map([...Object.keys(TECHNOLOGIES), ...Object.keys(ORGANIZATIONS)].map((canonical) => [entityKey(canonical), canonical]));

/** The canonical technology whose entity key this is, when it is one. */
export function techByKey(key: string): string | null {
  return byKey.get(key) ?? null;
}

/** Code-block languages as providers label them → canonical technology. */
const CODE_LANGUAGES: Record<string, string> = {
  js: 'JavaScript', javascript: 'JavaScript', jsx: 'React', mjs: 'JavaScript', cjs: 'JavaScript',
  ts: 'TypeScript', typescript: 'TypeScript', tsx: 'React',
  py: 'Python', python: 'Python', python3: 'Python',
  java: 'Java', kotlin: 'Kotlin', kt: 'Kotlin', swift: 'Swift', go: 'Go', golang: 'Go', rust: 'Rust', rs: 'Rust',
  ruby: 'Ruby', rb: 'Ruby', php: 'PHP', elixir: 'Elixir', ex: 'Elixir', exs: 'Elixir', erlang: 'Erlang',
  haskell: 'Haskell', hs: 'Haskell', scala: 'Scala', clojure: 'Clojure', lua: 'Lua', perl: 'Perl',
  r: 'R', julia: 'Julia', dart: 'Dart', zig: 'Zig', c: 'C', h: 'C', cpp: 'C++', 'c++': 'C++', cc: 'C++',
  csharp: 'C#', cs: 'C#', 'c#': 'C#', sql: 'SQL', psql: 'PostgreSQL', postgresql: 'PostgreSQL', pgsql: 'PostgreSQL', mysql: 'MySQL',
  html: 'HTML', xml: 'XML', css: 'CSS', scss: 'Sass', sass: 'Sass', bash: 'Bash', sh: 'Bash', shell: 'Bash', zsh: 'Bash', console: 'Bash',
  powershell: 'PowerShell', ps1: 'PowerShell', pwsh: 'PowerShell', graphql: 'GraphQL', yaml: 'YAML', yml: 'YAML',
  json: 'JSON', dockerfile: 'Docker', docker: 'Docker', terraform: 'Terraform', hcl: 'Terraform', nginx: 'Nginx',
  vue: 'Vue', svelte: 'Svelte', solidity: 'Solidity', sol: 'Solidity', wasm: 'WebAssembly', latex: 'LaTeX', tex: 'LaTeX', mermaid: 'Mermaid',
};

/** The technology of a code block's language label (null for plain text or unknown labels). */
export function codeLanguageTech(language: string | undefined): string | null {
  if (!language) return null;
  const label = language.trim().toLowerCase();
  return CODE_LANGUAGES[label] ?? lookupTech(label);
}
