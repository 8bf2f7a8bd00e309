/* sqrt with the SSE2 instruction (IEEE 754 correctly rounded); the rest with integer
 * conversions where the value fits, since doubles of 2^52 and above are integers already. */
#include <math.h>

double sqrt(double x)
{
	double r;
	__asm__("sqrtsd %1, %0" : "=x"(r) : "x"(x));
	return r;
}

double fabs(double x) { return x < 0 ? -x : x == 0 ? 0.0 : x; }

double trunc(double x)
{
	if (isnan(x) || fabs(x) >= 4503599627370496.0)   /* 2^52 */
		return x;
	return (double)(long long)x;
}

double floor(double x)
{
	double t = trunc(x);
	return t > x ? t - 1 : t;
}

double ceil(double x)
{
	double t = trunc(x);
	return t < x ? t + 1 : t;
}

double round(double x)
{
	return x < 0 ? -floor(-x + 0.5) : floor(x + 0.5);
}

double fmod(double x, double y)
{
	double q;
	if (y == 0 || isnan(x) || isnan(y) || isinf(x))
		return NAN;
	q = trunc(x / y);
	return x - q * y;
}
