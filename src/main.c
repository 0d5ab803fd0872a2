/* Placeholder front end; replaced by the CLI (issue 2). */
#include <stdio.h>

int
main(void)
{
	printf("failover-drill %s\n", FD_VERSION);
	return 0;
}
