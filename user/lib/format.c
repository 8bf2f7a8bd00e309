/* The printf engine (C11 7.21.6.1) shared by every printf-family function.
 * Conversions: d i u o x X c s p % and f F e E g G; flags - + space # 0; field width and
 * precision, either may be '*'; length modifiers hh h l ll z j t L.  %n is deliberately
 * not supported (it turns a format string bug into a memory write). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "libc_internal.h"

#define F_LEFT  1
#define F_PLUS  2
#define F_SPACE 4
#define F_ALT   8
#define F_ZERO  16

struct out {
	fmt_sink sink;
	void *ctx;
	int count;
};

static void emit(struct out *o, const char *s, size_t n)
{
	if (n) {
		o->sink(o->ctx, s, n);
		o->count += (int)n;
	}
}

static void pad(struct out *o, char c, int n)
{
	char buf[32];
	memset(buf, c, sizeof(buf));
	while (n > 0) {
		int k = n > 32 ? 32 : n;
		emit(o, buf, (size_t)k);
		n -= k;
	}
}

/* Emit prefix, zero fill, body with the field-width rules shared by numbers. */
static void field(struct out *o, int flags, int width, const char *prefix, int zeros,
		  const char *body, int blen)
{
	int plen = (int)strlen(prefix);
	int total = plen + zeros + blen;
	if (!(flags & F_LEFT) && !(flags & F_ZERO))
		pad(o, ' ', width - total);
	emit(o, prefix, (size_t)plen);
	if (!(flags & F_LEFT) && (flags & F_ZERO))
		pad(o, '0', width - total);
	pad(o, '0', zeros);
	emit(o, body, (size_t)blen);
	if (flags & F_LEFT)
		pad(o, ' ', width - total);
}

static void fmt_int(struct out *o, uintmax_t v, int neg, int base, int upper, int flags,
		    int width, int prec)
{
	const char *digs = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[72], prefix[4] = "";
	int n = 0, zeros = 0;

	while (v) {
		buf[sizeof(buf) - 1 - n++] = digs[v % (unsigned)base];
		v /= (unsigned)base;
	}
	if (prec < 0)
		prec = 1;
	else
		flags &= ~F_ZERO;   /* C11: with a precision, the 0 flag is ignored */
	if (n < prec)
		zeros = prec - n;
	if (neg)
		strcpy(prefix, "-");
	else if (flags & F_PLUS)
		strcpy(prefix, "+");
	else if (flags & F_SPACE)
		strcpy(prefix, " ");
	if ((flags & F_ALT) && base == 8 && zeros == 0 && (n == 0 || buf[sizeof(buf) - n] != '0'))
		zeros = 1;
	if ((flags & F_ALT) && base == 16 && n > 0)
		strcpy(prefix, upper ? "0X" : "0x");
	field(o, flags, width, prefix, zeros, buf + sizeof(buf) - n, n);
}

/* Exact decimal digits of a finite double (no floating-point arithmetic, so every digit
 * is right).  v = M * 2^E; for E >= 0 the digits are those of M << E, for E < 0 those of
 * M * 5^-E with the decimal point -E places from the right.  Result: digits s[0..n) with
 * no leading zeros ("0" for zero) and dp, the position of the point: v = 0.s * 10^dp. */
#define BIG_LIMBS 90          /* 2^1024 or 2^53 * 5^1074 fit in 90 * 32 bits */
#define MAX_DIGITS 800

struct big {
	uint32_t w[BIG_LIMBS];
	int n;
};

static void big_mul_small(struct big *b, uint32_t m)
{
	uint64_t carry = 0;
	for (int i = 0; i < b->n; i++) {
		uint64_t x = (uint64_t)b->w[i] * m + carry;
		b->w[i] = (uint32_t)x;
		carry = x >> 32;
	}
	if (carry && b->n < BIG_LIMBS)
		b->w[b->n++] = (uint32_t)carry;
}

static void big_shl(struct big *b, int bits)
{
	int limbs = bits / 32, r = bits % 32;
	if (limbs) {
		for (int i = b->n - 1; i >= 0; i--)
			if (i + limbs < BIG_LIMBS)
				b->w[i + limbs] = b->w[i];
		for (int i = 0; i < limbs; i++)
			b->w[i] = 0;
		b->n = b->n + limbs > BIG_LIMBS ? BIG_LIMBS : b->n + limbs;
	}
	if (r) {
		uint32_t carry = 0;
		for (int i = 0; i < b->n; i++) {
			uint32_t x = b->w[i];
			b->w[i] = x << r | carry;
			carry = x >> (32 - r);
		}
		if (carry && b->n < BIG_LIMBS)
			b->w[b->n++] = carry;
	}
}

/* Divide by 10^9 in place; returns the remainder. */
static uint32_t big_div1e9(struct big *b)
{
	uint64_t rem = 0;
	for (int i = b->n - 1; i >= 0; i--) {
		uint64_t x = rem << 32 | b->w[i];
		b->w[i] = (uint32_t)(x / 1000000000u);
		rem = x % 1000000000u;
	}
	while (b->n > 0 && b->w[b->n - 1] == 0)
		b->n--;
	return (uint32_t)rem;
}

static int exact_digits(double v, char *s, int *dp)
{
	union {
		double d;
		uint64_t u;
	} bits = {v};
	uint64_t m = bits.u & ((1ULL << 52) - 1);
	int e = (int)(bits.u >> 52 & 0x7ff), n = 0, frac = 0;
	struct big b;

	if (e == 0 && m == 0) {
		s[0] = '0';
		*dp = 1;
		return 1;
	}
	if (e == 0)
		e = 1 - 1075;          /* subnormal */
	else
		m |= 1ULL << 52, e -= 1075;
	b.w[0] = (uint32_t)m;
	b.w[1] = (uint32_t)(m >> 32);
	b.n = b.w[1] ? 2 : 1;
	if (e >= 0) {
		big_shl(&b, e);
	} else {
		frac = -e;
		for (int k = -e; k > 0; k -= 13) {
			uint32_t f = 1;
			for (int j = 0; j < (k < 13 ? k : 13); j++)
				f *= 5;
			big_mul_small(&b, f);
		}
	}
	/* Collect base-10^9 chunks, least significant first, then reverse into digits. */
	{
		char rev[MAX_DIGITS + 16];
		int r = 0;
		while (b.n > 0 && r < MAX_DIGITS) {
			uint32_t chunk = big_div1e9(&b);
			for (int k = 0; k < 9; k++, chunk /= 10)
				rev[r++] = (char)('0' + chunk % 10);
		}
		while (r > 1 && rev[r - 1] == '0')
			r--;
		for (int k = 0; k < r; k++)
			s[n++] = rev[r - 1 - k];
	}
	*dp = n - frac;
	return n;
}
/* Keep the first `keep` digits of s[0..n), rounding half to even as glibc does in the
 * default rounding mode; a carry out of the first digit bumps *dp.  Returns the new n. */
static int round_digits(char *s, int n, int keep, int *dp)
{
	int up;
	if (keep >= n)
		return n;
	if (keep < 0) {
		s[0] = '0';
		*dp += 0;
		return 0;
	}
	if (s[keep] > '5')
		up = 1;
	else if (s[keep] < '5')
		up = 0;
	else {
		up = 0;
		for (int i = keep + 1; i < n; i++)
			if (s[i] != '0')
				up = 1;
		if (!up)   /* an exact tie: round to the even neighbour */
			up = keep > 0 && (s[keep - 1] - '0') % 2 == 1;
	}
	n = keep;
	if (up) {
		int i = n - 1;
		while (i >= 0 && s[i] == '9')
			s[i--] = '0';
		if (i >= 0) {
			s[i]++;
		} else {
			memmove(s + 1, s, (size_t)n);
			s[0] = '1';
			n++;
			(*dp)++;
		}
	}
	return n;
}

/* The digit at position i of 0.s * 10^dp, counting the first digit as 0; '0' outside. */
static char digit_at(const char *s, int n, int i) { return i >= 0 && i < n ? s[i] : '0'; }

/* "e+05": at least two exponent digits (C11 7.21.6.1 %e). */
static int exp_suffix(char *buf, int e10, int upper)
{
	int n = 0, a = e10 < 0 ? -e10 : e10;
	buf[n++] = upper ? 'E' : 'e';
	buf[n++] = e10 < 0 ? '-' : '+';
	if (a >= 100)
		buf[n++] = (char)('0' + a / 100);
	buf[n++] = (char)('0' + a / 10 % 10);
	buf[n++] = (char)('0' + a % 10);
	return n;
}

/* Render digits s[0..n) (value 0.s * 10^dp) in %f style with prec fraction digits. */
static int render_f(char *out, const char *s, int n, int dp, int prec, int alt)
{
	int k = 0;
	if (dp <= 0)
		out[k++] = '0';
	for (int i = 0; i < dp; i++)
		out[k++] = digit_at(s, n, i);
	if (prec > 0 || alt)
		out[k++] = '.';
	for (int i = 0; i < prec; i++)
		out[k++] = digit_at(s, n, dp + i);
	return k;
}

/* %e style: one digit, point, prec digits, exponent dp-1. */
static int render_e(char *out, const char *s, int n, int dp, int prec, int alt, int upper)
{
	int k = 0;
	out[k++] = s[0];
	if (prec > 0 || alt)
		out[k++] = '.';
	for (int i = 1; i <= prec; i++)
		out[k++] = digit_at(s, n, i);
	k += exp_suffix(out + k, s[0] == '0' ? 0 : dp - 1, upper);
	return k;
}

static void fmt_float(struct out *o, double v, char conv, int flags, int width, int prec)
{
	static char body[MAX_DIGITS + 420], s[MAX_DIGITS + 16];
	char prefix[2] = "";
	int n, dp, len, upper = conv == 'F' || conv == 'E' || conv == 'G', alt = (flags & F_ALT) != 0;
	char c = (char)(conv | 32);
	union {
		double d;
		uint64_t u;
	} bits = {v};

	if (bits.u >> 63)
		v = -v, prefix[0] = '-';
	else if (flags & F_PLUS)
		prefix[0] = '+';
	else if (flags & F_SPACE)
		prefix[0] = ' ';
	if (v != v || v > 1.7976931348623157e308) {
		const char *t = v != v ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
		field(o, flags & ~F_ZERO, width, prefix, 0, t, 3);
		return;
	}
	if (prec < 0)
		prec = 6;
	if (prec > 400)
		prec = 400;
	n = exact_digits(v, s, &dp);
	if (s[0] == '0')
		dp = 1;   /* zero: one integer digit */
	if (c == 'f') {
		n = round_digits(s, n, dp + prec, &dp);
		len = render_f(body, s, n, dp, prec, alt);
	} else if (c == 'e') {
		n = round_digits(s, n, prec + 1, &dp);
		if (n == 0)
			s[0] = '0', n = 1;
		len = render_e(body, s, n, dp, prec, alt, upper);
	} else {
		/* %g (C11 7.21.6.1): P significant digits; %e style if the exponent X after
		 * rounding is < -4 or >= P, else %f with P-1-X fraction digits. */
		int P = prec == 0 ? 1 : prec, X;
		n = round_digits(s, n, P, &dp);
		if (n == 0)
			s[0] = '0', n = 1;
		X = s[0] == '0' ? 0 : dp - 1;
		if (X < -4 || X >= P)
			len = render_e(body, s, n, dp, P - 1, alt, upper);
		else
			len = render_f(body, s, n, dp, P - 1 - X, alt);
		if (!alt) {
			/* Drop trailing zeros of the fraction, and a bare point. */
			int epos = len, end;
			for (int i = 0; i < len; i++)
				if (body[i] == 'e' || body[i] == 'E') {
					epos = i;
					break;
				}
			end = epos;
			if (memchr(body, '.', (size_t)epos)) {
				while (end > 0 && body[end - 1] == '0')
					end--;
				if (end > 0 && body[end - 1] == '.')
					end--;
			}
			memmove(body + end, body + epos, (size_t)(len - epos));
			len -= epos - end;
		}
	}
	field(o, flags, width, prefix, 0, body, len);
}

int __vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap)
{
	struct out o = {sink, ctx, 0};
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		const char *pct = strchr(fmt, '%');
		int flags = 0, width = 0, prec = -1, len = 0;
		uintmax_t u;
		intmax_t s;

		if (!pct) {
			emit(&o, fmt, strlen(fmt));
			break;
		}
		emit(&o, fmt, (size_t)(pct - fmt));
		fmt = pct + 1;
		for (;; fmt++) {
			if (*fmt == '-')
				flags |= F_LEFT;
			else if (*fmt == '+')
				flags |= F_PLUS;
			else if (*fmt == ' ')
				flags |= F_SPACE;
			else if (*fmt == '#')
				flags |= F_ALT;
			else if (*fmt == '0')
				flags |= F_ZERO;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(args, int);
			if (width < 0)
				flags |= F_LEFT, width = -width;
			fmt++;
		} else {
			for (; *fmt >= '0' && *fmt <= '9'; fmt++)
				if (width < 100000)
					width = width * 10 + (*fmt - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(args, int);
				if (prec < 0)
					prec = -1;
				fmt++;
			} else {
				for (; *fmt >= '0' && *fmt <= '9'; fmt++)
					if (prec < 100000)
						prec = prec * 10 + (*fmt - '0');
			}
		}
		if (flags & F_LEFT)
			flags &= ~F_ZERO;
		/* Length: 1 hh, 2 h, 3 l, 4 ll, 5 z, 6 j, 7 t, 8 L */
		if (fmt[0] == 'h' && fmt[1] == 'h')
			len = 1, fmt += 2;
		else if (fmt[0] == 'h')
			len = 2, fmt++;
		else if (fmt[0] == 'l' && fmt[1] == 'l')
			len = 4, fmt += 2;
		else if (fmt[0] == 'l')
			len = 3, fmt++;
		else if (fmt[0] == 'z')
			len = 5, fmt++;
		else if (fmt[0] == 'j')
			len = 6, fmt++;
		else if (fmt[0] == 't')
			len = 7, fmt++;
		else if (fmt[0] == 'L')
			len = 8, fmt++;

		switch (*fmt) {
		case 'd':
		case 'i':
			switch (len) {
			case 1: s = (signed char)va_arg(args, int); break;
			case 2: s = (short)va_arg(args, int); break;
			case 3: s = va_arg(args, long); break;
			case 4: s = va_arg(args, long long); break;
			case 5: s = va_arg(args, ptrdiff_t); break;   /* signed size_t */
			case 6: s = va_arg(args, intmax_t); break;
			case 7: s = va_arg(args, ptrdiff_t); break;
			default: s = va_arg(args, int); break;
			}
			u = s < 0 ? (uintmax_t)0 - (uintmax_t)s : (uintmax_t)s;
			fmt_int(&o, u, s < 0, 10, 0, flags, width, prec);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			switch (len) {
			case 1: u = (unsigned char)va_arg(args, unsigned); break;
			case 2: u = (unsigned short)va_arg(args, unsigned); break;
			case 3: u = va_arg(args, unsigned long); break;
			case 4: u = va_arg(args, unsigned long long); break;
			case 5: u = va_arg(args, size_t); break;
			case 6: u = va_arg(args, uintmax_t); break;
			case 7: u = (uintmax_t)va_arg(args, ptrdiff_t); break;
			default: u = va_arg(args, unsigned); break;
			}
			fmt_int(&o, u, 0, *fmt == 'o' ? 8 : *fmt == 'u' ? 10 : 16, *fmt == 'X',
				flags & ~(F_PLUS | F_SPACE), width, prec);
			break;
		case 'p': {
			void *p = va_arg(args, void *);
			if (!p)
				field(&o, flags & ~F_ZERO, width, "", 0, "(nil)", 5);
			else
				fmt_int(&o, (uintptr_t)p, 0, 16, 0, flags | F_ALT, width, prec);
			break;
		}
		case 'c': {
			char c = (char)va_arg(args, int);
			field(&o, flags & ~F_ZERO, width, "", 0, &c, 1);
			break;
		}
		case 's': {
			const char *str = va_arg(args, const char *);
			size_t n;
			if (!str)
				str = prec < 0 || prec >= 6 ? "(null)" : "";
			n = prec < 0 ? strlen(str) : strnlen(str, (size_t)prec);
			field(&o, flags & ~F_ZERO, width, "", 0, str, (int)n);
			break;
		}
		case 'f':
		case 'F':
		case 'e':
		case 'E':
		case 'g':
		case 'G': {
			double d = len == 8 ? (double)va_arg(args, long double) : va_arg(args, double);
			fmt_float(&o, d, *fmt, flags, width, prec);
			break;
		}
		case '%':
			emit(&o, "%", 1);
			break;
		default:
			/* Unknown conversion: print it as written, so the bug is visible. */
			emit(&o, pct, (size_t)(fmt - pct + (*fmt != 0)));
			if (!*fmt)
				goto done;
			break;
		}
		fmt++;
	}
done:
	va_end(args);
	return o.count;
}
