/* spin: burn CPU without system calls until killed (preemption and Ctrl-C tests). */
int main(void)
{
	volatile unsigned long n = 0;
	for (;;)
		n++;
}
