#include "replay.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static bool replay_file(const char *program, const char *path, fuzz_target_fn target, uint8_t *buf,
                        size_t max_size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s: cannot open\n", program, path);
        return false;
    }
    size_t n = fread(buf, 1, max_size, f);
    fclose(f);
    target(buf, n);
    return true;
}

int replay_main(const char *program, int argc, char **argv, fuzz_target_fn target, size_t max_size)
{
    uint8_t *buf = malloc(max_size ? max_size : 1);
    if (!buf)
        return 1;
    unsigned replayed = 0;
    bool ok = true;
    for (int i = 1; i < argc && ok; i++) {
        DIR *dir = opendir(argv[i]);
        if (!dir) {
            ok = replay_file(program, argv[i], target, buf, max_size);
            replayed += ok;
            continue;
        }
        for (struct dirent *e; ok && (e = readdir(dir)) != NULL;) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            ok = replay_file(program, path, target, buf, max_size);
            replayed += ok;
        }
        closedir(dir);
    }
    free(buf);
    printf("%s: %u inputs replayed\n", program, replayed);
    return ok && replayed ? 0 : 1;
}
