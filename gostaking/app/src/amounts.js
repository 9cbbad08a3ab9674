// Exact amounts: base units are BigInt, decimals are strings; nothing passes through a float. Formatting takes the
// locale's separators from Intl, which formats BigInt exactly.

export class AmountError extends Error {}

/** '1.5' with 6 decimals → 1500000n; AmountError for anything but a plain non-negative decimal. */
export function parseUnits(text, decimals) {
  const clean = String(text).trim().replace(/[,\s_]/g, '');
  const match = /^(\d*)(?:\.(\d*))?$/.exec(clean);
  if (!clean || !match || (match[1] === '' && !match[2])) throw new AmountError('not a number', { cause: { code: 'number' } });
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) throw new AmountError(`at most ${decimals} decimals`, { cause: { code: 'decimals', decimals } });
  return BigInt((match[1] || '0') + fraction.padEnd(decimals, '0'));
}

/** 1500000n with 6 decimals → '1.5' (no grouping: for inputs and comparisons). */
export function toDecimal(units, decimals) {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = decimals ? digits.slice(digits.length - decimals).replace(/0+$/, '') : '';
  return (negative ? '-' : '') + whole + (fraction ? `.${fraction}` : '');
}

/** A decimal string formatted for `locale`: grouped whole part, the locale's decimal mark, every digit kept. */
export function formatDecimal(decimal, locale, maxFraction = Infinity) {
  const [whole, fraction = ''] = String(decimal).replace('-', '').split('.');
  const negative = String(decimal).startsWith('-');
  const mark = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
  const shown = fraction.slice(0, maxFraction).replace(/0+$/, '');
  const grouped = new Intl.NumberFormat(locale).format(BigInt(whole || '0'));
  return (negative ? '-' : '') + grouped + (shown ? mark + shown : '');
}

export function formatUnits(units, decimals, locale, maxFraction) {
  return formatDecimal(toDecimal(units, decimals), locale, maxFraction);
}

/** '24.82%' (the API's exact percentage) with the locale's digits and marks; en and zh-CN both write n%. */
export function formatPercent(text, locale) {
  return `${formatDecimal(String(text).replace('%', ''), locale)}%`;
}

const unitIn = (locale) => (value, name) =>
  new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'long' }).format(value);

/** Whole days and hours in `locale` ('3 days 5 hours'; hours alone below a day). */
export function formatDaysHours(days, hours, locale) {
  const unit = unitIn(locale);
  return days ? `${unit(days, 'day')} ${unit(hours, 'hour')}` : unit(hours, 'hour');
}

/** A duration in seconds as days and hours (minutes below an hour, seconds below a minute), in `locale`. */
export function formatDuration(seconds, locale) {
  const s = Math.max(0, Math.round(seconds));
  const unit = unitIn(locale);
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  if (days) return formatDaysHours(days, hours, locale);
  if (hours) return `${unit(hours, 'hour')} ${unit(Math.floor((s % 3600) / 60), 'minute')}`;
  if (s >= 60) return unit(Math.floor(s / 60), 'minute');
  return unit(s, 'second');
}

export function formatDateTime(iso, locale) {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
