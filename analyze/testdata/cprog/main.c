/* The C program the analyzer's tests build with musl-gcc -static: file, socket and
   process calls, and the generic syscall() wrapper with a constant number. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
	char buf[64];
	int fd = open("/etc/hostname", O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof buf);
		close(fd);
		printf("%zd\n", n);
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s >= 0)
		close(s);
	printf("%ld %d\n", syscall(SYS_getppid), getpid());
	return 0;
}
