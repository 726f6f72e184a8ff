/*
 * Tiny static init for the mscc boot test (scripts/boot-test, issue 3 "A boot test").
 *
 * Runs as PID 1 from the initramfs of a kernel built from tinyconfig + the minimal fragment.
 * Mounts proc, sysfs and devtmpfs, prints what the test asserts, then powers the VM off:
 *
 *   MSCC-BOOT-BEGIN
 *   PAGE_SIZE=<sysconf(_SC_PAGESIZE)>
 *   KERNEL=<uname -r>
 *   BLOCK=<name>            one line per entry of /sys/block
 *   MSCC-BOOT-END
 *
 * Build: aarch64-linux-gnu-gcc -static -Os -o init init.c  (libc: only what -static brings).
 * Output goes through write(2) on the console, so nothing is lost in a stdio buffer when the
 * VM powers off.  Mount failures are reported as MOUNT-FAILED=<target>:<errno> and do not stop
 * the run: the test decides what is fatal.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void say(const char *fmt_key, const char *value)
{
    char line[512];
    int n = snprintf(line, sizeof line, "%s%s\n", fmt_key, value);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line)
        n = (int)sizeof line - 1;
    ssize_t off = 0;
    while (off < n) {
        ssize_t w = write(STDOUT_FILENO, line + off, (size_t)(n - off));
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return;
        }
        off += w;
    }
}

static void mount_one(const char *source, const char *target, const char *type)
{
    char detail[160];
    mkdir(target, 0755); /* usually in the initramfs already; EEXIST is fine */
    if (mount(source, target, type, 0, NULL) != 0 && errno != EBUSY) {
        snprintf(detail, sizeof detail, "%s:%s", target, strerror(errno));
        say("MOUNT-FAILED=", detail);
    }
}

/* Print every /sys/block entry; returns how many were printed. */
static int list_block(int print)
{
    DIR *dir = opendir("/sys/block");
    struct dirent *entry;
    int count = 0;
    if (dir == NULL) {
        if (print)
            say("BLOCK-ERROR=", strerror(errno));
        return 0;
    }
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        if (print)
            say("BLOCK=", entry->d_name);
        count++;
    }
    closedir(dir);
    return count;
}

int main(void)
{
    /* The kernel opens /dev/console for PID 1; make sure fds 0-2 exist regardless. */
    if (fcntl(STDOUT_FILENO, F_GETFD) < 0) {
        int fd = open("/dev/console", O_RDWR);
        if (fd >= 0) {
            dup2(fd, STDIN_FILENO);
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
    }

    mount_one("proc", "/proc", "proc");
    mount_one("sysfs", "/sys", "sysfs");
    mount_one("devtmpfs", "/dev", "devtmpfs");

    char value[160];
    say("MSCC-BOOT-BEGIN", "");
    snprintf(value, sizeof value, "%ld", sysconf(_SC_PAGESIZE));
    say("PAGE_SIZE=", value);

    struct utsname uts;
    if (uname(&uts) == 0)
        say("KERNEL=", uts.release);

    /* Built-in virtio-blk probes before init runs; allow a short settle time anyway. */
    for (int tries = 0; tries < 20 && list_block(0) == 0; tries++) {
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    list_block(1);
    say("MSCC-BOOT-END", "");

    sync();
    reboot(RB_POWER_OFF);
    /* Only reached if power-off failed (e.g. no PSCI): exiting PID 1 panics, and
     * panic=-1 with qemu -no-reboot ends the VM anyway. */
    snprintf(value, sizeof value, "%s", strerror(errno));
    say("POWEROFF-FAILED=", value);
    return 1;
}
