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

/* Decimal digits of a double: writes the integer part then `prec` fraction digits of
 * v >= 0 (already rounded) into buf; returns the length. */
static int float_digits(double v, int prec, char *buf, int cap)
{
	char ib[40];
	int n = 0, k = 0;
	double ip = 0;
	/* Integer part by repeated division; exact for values below 2^53. */
	if (v >= 1e38) {
		memcpy(buf, "huge", 4);
		return 4;
	}
	{
		double t = v;
		uint64_t u;
		if (t < 1.8e19) {
			u = (uint64_t)t;
			ip = (double)u;
			do {
				ib[k++] = (char)('0' + u % 10);
				u /= 10;
			} while (u);
		} else {
			double p = 1;
			while (p * 10 <= t)
				p *= 10;
			for (; p >= 1; p /= 10) {
				int d = (int)(t / p);
				if (d > 9)
					d = 9;
				ib[k++] = (char)('0' + d);
				t -= d * p;
			}
			/* ib is most significant first here; reverse so the loop below flips it back. */
			for (int i = 0; i < k / 2; i++) {
				char c = ib[i];
				ib[i] = ib[k - 1 - i];
				ib[k - 1 - i] = c;
			}
			ip = v - t;
		}
	}
	while (k > 0 && n < cap)
		buf[n++] = ib[--k];
	if (prec > 0 && n < cap)
		buf[n++] = '.';
	v -= ip;
	while (prec-- > 0 && n < cap) {
		int d;
		v *= 10;
		d = (int)v;
		if (d > 9)
			d = 9;
		buf[n++] = (char)('0' + d);
		v -= d;
	}
	return n;
}

static double pow10i(int e)
{
	double r = 1;
	while (e-- > 0)
		r *= 10;
	return r;
}

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

static void fmt_float(struct out *o, double v, char conv, int flags, int width, int prec)
{
	char body[400], prefix[2] = "";
	int n, upper = conv == 'F' || conv == 'E' || conv == 'G';
	int neg = v < 0 || (v == 0 && 1 / v < 0);
	char c = (char)(conv | 32);

	if (neg)
		v = -v, prefix[0] = '-';
	else if (flags & F_PLUS)
		prefix[0] = '+';
	else if (flags & F_SPACE)
		prefix[0] = ' ';
	if (v != v || v > 1.7976931348623157e308) {
		const char *s = v != v ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
		field(o, flags & ~F_ZERO, width, prefix, 0, s, 3);
		return;
	}
	if (prec < 0)
		prec = 6;
	if (prec > 300)
		prec = 300;
	if (c == 'g') {
		int x = 0;
		double t;
		if (prec == 0)
			prec = 1;
		/* Exponent after rounding to prec significant digits (C11 7.21.6.1 %g). */
		if (v != 0) {
			t = v;
			while (t >= 10)
				t /= 10, x++;
			while (t < 1)
				t *= 10, x--;
			if (t + 0.5 / pow10i(prec - 1) >= 10)
				x++;
		}
		if (x < -4 || x >= prec) {
			c = 'e';
			prec = prec - 1;
		} else {
			c = 'f';
			prec = prec - 1 - x;
		}
		if (!(flags & F_ALT)) {
			/* Produce the digits, then strip trailing zeros (and a bare point). */
			int e10 = 0;
			if (c == 'e' && v != 0) {
				while (v >= 10)
					v /= 10, e10++;
				while (v < 1)
					v *= 10, e10--;
			}
			v += 0.5 / pow10i(prec);
			if (c == 'e' && v >= 10)
				v /= 10, e10++;
			n = float_digits(v, prec, body, 360);
			if (prec > 0) {
				while (body[n - 1] == '0')
					n--;
				if (body[n - 1] == '.')
					n--;
			}
			if (c == 'e')
				n += exp_suffix(body + n, e10, upper);
			field(o, flags, width, prefix, 0, body, n);
			return;
		}
	}
	if (c == 'e') {
		int e10 = 0;
		if (v != 0) {
			while (v >= 10)
				v /= 10, e10++;
			while (v < 1)
				v *= 10, e10--;
		}
		v += 0.5 / pow10i(prec);
		if (v >= 10)
			v /= 10, e10++;
		n = float_digits(v, prec, body, 360);
		if (prec == 0 && (flags & F_ALT))
			body[n++] = '.';
		n += exp_suffix(body + n, e10, upper);
	} else {
		v += 0.5 / pow10i(prec);
		n = float_digits(v, prec, body, 360);
		if (prec == 0 && (flags & F_ALT))
			body[n++] = '.';
	}
	field(o, flags, width, prefix, 0, body, n);
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
