// The demo dataset: short video comments, SPAM or HAM, generated deterministically inside DuckDB so that a million
// (or ten million) rows take seconds. Each row's choices come from DuckDB's hash of (row id, salt), so the same id
// always gets the same comment. The true label is kept in `true_label` for scoring; the demo index does not select it.

const spamTemplates = [
  'Check out my channel {url} for more videos like this',
  'Subscribe to me and I will subscribe back!! {url}',
  'FREE {gift} giveaway, just visit {url}',
  'Make ${money} a day working from home, see {url}',
  'Please like and subscribe to my channel, I make {topic} videos',
  'sub4sub anyone? comment below',
  'I got a free {gift} from {url} no joke',
  'Hey guys visit {url} best {topic} ever',
  'Follow me on instagram @{handle} for a shoutout',
  'Want {money} followers fast? {url}',
  'Click here to win a {gift}: {url}',
  'Earn money online easy {url} ✔✔✔',
];
const hamTemplates = [
  '{artist} never disappoints',
  'Who is still watching this in {year}?',
  'This song brings back so many memories',
  'I love this song so much',
  'The beat at {time} is insane',
  '{artist} is the best, this video is a masterpiece',
  'My favorite part is at {time}',
  'Can not believe this came out in {year}',
  'This is my {ordinal} time listening today',
  'Song of the summer {year} for sure',
  'The dancing in this video is amazing',
  'lol the guy at {time}',
  'Such a good vibe, love it',
  'Best music video ever made',
  'Still a classic',
];
// Hard cases for the labeling functions: ham that links or says "subscribe", spam with no link.
const hamLookingLikeSpam = [
  'The official lyrics are on {url} if anyone needs them',
  'I would subscribe to {artist} twice if I could',
  'Who came here from {url}?',
];
const fill = {
  url: ['http://bit.ly/2fr33gift', 'www.freegiftz.com', 'https://my-channel.tv/best', 'http://tinyurl.com/win-now', 'www.easycash.biz'],
  gift: ['iPhone', 'gift card', 'PS5', 'Amazon voucher'],
  money: ['500', '1000', '10k'],
  topic: ['gaming', 'makeup', 'prank', 'music covers'],
  handle: ['bestgirl99', 'cashking', 'promo_daily'],
  artist: ['Psy', 'Katy Perry', 'LMFAO', 'Eminem', 'Shakira'],
  year: ['2015', '2019', '2023', '2026'],
  time: ['1:23', '2:05', '0:47', '3:10'],
  ordinal: ['third', 'fifth', 'tenth'],
} as const;

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;
const list = (items: readonly string[]) => `[${items.map(literal).join(', ')}]`;
/** A deterministic pick from `items` for row `i` and `salt`. */
const pick = (items: readonly string[], salt: string) => `(${list(items)})[1 + (hash(i, ${literal(salt)}) % ${items.length})::BIGINT]`;

/** Every filling of a template's slots: the texts are a few hundred, so rows only pick one (fast in SQL). */
export function expandTemplates(templates: readonly string[]): string[] {
  return templates.flatMap((template) => {
    let texts = [template];
    for (const [slot, values] of Object.entries(fill)) {
      if (!template.includes(`{${slot}}`)) continue;
      texts = texts.flatMap((t) => values.map((v) => t.replaceAll(`{${slot}}`, v)));
    }
    return texts;
  });
}

/** The SELECT that generates `rows` demo comments (ids 1..rows). */
export function demoCommentsSql(rows: number): string {
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error('rows must be a positive integer');
  return `
WITH base AS (
  SELECT i,
    hash(i, 'label') % 100 < 38 AS spam,
    hash(i, 'hard') % 100 AS hard
  FROM range(1, ${rows + 1}) t(i)
)
SELECT
  i::BIGINT AS id,
  CASE WHEN spam THEN 'promo_' || (hash(i, 'author') % 400)::VARCHAR
       ELSE 'user_' || (hash(i, 'author') % ${Math.max(1000, Math.floor(rows / 2))})::VARCHAR END AS author,
  CASE
    WHEN spam THEN ${pick(expandTemplates(spamTemplates), 'spam')}
    WHEN hard < 7 THEN ${pick(expandTemplates(hamLookingLikeSpam), 'hardham')}
    ELSE ${pick(expandTemplates(hamTemplates), 'ham')}
  END AS text,
  TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds((hash(i, 'time') % (365 * 86400))::BIGINT) AS posted_at,
  ${pick(['Psy - Gangnam Style', 'Katy Perry - Roar', 'LMFAO - Party Rock Anthem', 'Eminem - Love The Way You Lie', 'Shakira - Waka Waka'], 'video')} AS video,
  (CASE WHEN spam THEN hash(i, 'likes') % 5 ELSE hash(i, 'likes') % 300 END)::INTEGER AS likes,
  CASE WHEN spam THEN 'SPAM' ELSE 'HAM' END AS true_label
FROM base`;
}
