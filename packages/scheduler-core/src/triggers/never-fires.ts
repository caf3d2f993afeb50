/**
 * The message for a cron expression that matches no date in any year. It names the cause only
 * when it can see it: days of the month that none of the listed months has (`0 0 31 4,6 *`,
 * `0 0 30 2 *`). Anything else that never fires (a day ANDed with a weekday, `31W` in a 30-day
 * month) gets a neutral message rather than a guess that does not fit the expression.
 */

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;
/** The longest each month gets (February in a leap year). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** `normalized`: the expression with single spaces, 5 or 6 fields, known to match no date. */
export function neverFiresMessage(normalized: string): string {
  const generic = `never fires: no date in any year matches ${JSON.stringify(normalized)}`;
  const fields = normalized.split(' ');
  const [dayField, monthField, weekdayField] = fields.slice(fields.length - 3);
  // A restricted weekday is ORed with the day of the month (or ANDed with `+`): not this case.
  if (weekdayField !== '*' && weekdayField !== '?') return generic;
  const days = numbers(dayField ?? '', (token) => wholeNumber(token));
  const months = numbers(monthField ?? '', (token) => monthNumber(token));
  if (!days || !months || months.length === 0 || days.length === 0) return generic;
  const smallest = Math.min(...days);
  if (months.some((month) => smallest <= (MONTH_DAYS[month - 1] ?? 31))) return generic;
  const dayWords = days.length === 1 ? `day ${smallest}` : `days ${list(days.map(String), 'and')}`;
  const verb = days.length === 1 ? 'is' : 'are';
  const monthWords = list(
    months.map((month) => {
      const length = MONTH_DAYS[month - 1] ?? 31;
      return `${MONTH_NAMES[month - 1]} (${month === 2 ? 'at most 29' : length} days)`;
    }),
    'or',
  );
  return `${generic}: ${dayWords} ${verb} not in ${monthWords}`;
}

/** The values of a field of plain values, lists and ranges; undefined for anything else (`*`, `/`, `L`, `W`). */
function numbers(field: string, parse: (token: string) => number | undefined): number[] | undefined {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [from, to, ...rest] = part.split('-');
    if (rest.length > 0 || from === undefined) return undefined;
    const low = parse(from);
    const high = to === undefined ? low : parse(to);
    if (low === undefined || high === undefined || high < low) return undefined;
    for (let value = low; value <= high; value += 1) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function wholeNumber(token: string): number | undefined {
  return /^\d{1,2}$/.test(token) ? Number(token) : undefined;
}

function monthNumber(token: string): number | undefined {
  const byName = MONTHS.indexOf(token.toUpperCase() as (typeof MONTHS)[number]);
  if (byName >= 0) return byName + 1;
  const value = wholeNumber(token);
  return value !== undefined && value >= 1 && value <= 12 ? value : undefined;
}

function list(items: string[], conjunction: string): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}
