/* The screen watch (frontends/screenwatch.c): which lines of the text screen reach the
 * watched texts, look by look. A VGA on a bus of its own is written through its memory
 * window (mode 3, 80x25), and each look's lines are caught by a watched text that ends
 * the line: "X\n" is seen only if a row reading X was fed. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "sched.h"
#include "screenwatch.h"
#include "state.h"
#include "vga.h"
#include "harness.h"

static struct bus bus;
static struct scheduler sched;
static struct vga *vga;
static struct screen_watch *watch;

static uint64_t now_fn(void *opaque) { (void)opaque; return 0; }

static void setup(void)
{
    ck_assert(bus_init(&bus, 0x10000));
    sched_init(&sched, now_fn, NULL);
    vga = calloc(1, sizeof *vga);
    watch = calloc(1, sizeof *watch);
    ck_assert(vga && watch);
    vga_init(vga, &bus, &sched);
    ck_assert(screen_watch_init(watch));
}

static void teardown(void)
{
    screen_watch_free(watch);
    free(watch);
    free(vga);
    bus_free(&bus);
}

/* Row 'row' reads 'text', the rest of it blank. */
static void put_row(unsigned row, const char *text)
{
    for (unsigned c = 0; c < 80; c++) {
        char ch = *text ? *text++ : ' ';
        bus_write(&bus, 0xB8000 + (row * 80 + c) * 2, (uint8_t)ch, 1);
    }
}

/* The whole screen scrolled up one row, a new bottom row 'text'. */
static void scroll(const char *text)
{
    for (unsigned r = 0; r + 1 < 25; r++)
        for (unsigned c = 0; c < 80; c++)
            bus_write(&bus, 0xB8000 + (r * 80 + c) * 2, bus_read(&bus, 0xB8000 + ((r + 1) * 80 + c) * 2, 1), 1);
    put_row(24, text);
}

static void clear(void)
{
    for (unsigned r = 0; r < 25; r++)
        put_row(r, "");
}

static int watch_for(const char *text) { return text_watch_add(&watch->watch, text); }
static bool seen(int index) { return watch->watch.seen[index]; }
static void forget(void)
{
    for (int i = 0; i < watch->watch.count; i++)
        watch->watch.seen[i] = false;
}
static void look(void) { screen_watch_look(watch, vga); }

START_TEST(test_first_look_feeds_every_row)
{
    clear();
    put_row(3, "hello");
    int hello = watch_for("\nhello\n"), blank = watch_for("\n\n\n");
    look();
    ck_assert(seen(hello));
    ck_assert(seen(blank)); /* the blank rows around it were fed too */
}
END_TEST

START_TEST(test_rows_changed_in_place)
{
    clear();
    put_row(0, "top");
    put_row(24, "bottom");
    look();
    int top = watch_for("top\n"), bottom = watch_for("bottom\n"), middle = watch_for("middle\n");
    put_row(12, "middle");
    look();
    ck_assert(seen(middle));
    ck_assert(!seen(top));     /* unchanged rows are not fed again */
    ck_assert(!seen(bottom));
    /* A row whose characters are the same is not fed, whatever else was written. */
    forget();
    bus_write(&bus, 0xB8001 + 12 * 160, 0x1F, 1); /* an attribute only */
    look();
    ck_assert(!seen(middle));
    /* Nothing written: the look does nothing at all. */
    look();
    ck_assert(!seen(middle));
}
END_TEST

START_TEST(test_scrolled_lines_fed_once)
{
    clear();
    for (int i = 0; i < 25; i++)
        scroll(i == 24 ? "first" : "");
    look();
    int first = watch_for("first\n"), second = watch_for("second\n"), third = watch_for("third\n");
    int pair = watch_for("second\nthird\n");
    /* Two lines come in at the bottom between looks: both are fed, in order, and
     * "first", which only moved up, is not. */
    scroll("second");
    scroll("third");
    look();
    ck_assert(!seen(first));
    ck_assert(seen(second));
    ck_assert(seen(third));
    ck_assert(seen(pair));
}
END_TEST

START_TEST(test_line_scrolled_off_between_looks_is_missed)
{
    clear();
    look();
    int gone = watch_for("gone\n"), stays = watch_for("stays\n");
    scroll("gone");
    for (int i = 0; i < 25; i++)
        scroll("");
    scroll("stays");
    look();
    ck_assert(!seen(gone)); /* on the screen for no look at all: the documented limit */
    ck_assert(seen(stays));
}
END_TEST

START_TEST(test_graphics_and_back)
{
    clear();
    put_row(5, "text");
    look();
    int text = watch_for("text\n");
    bus_port_write(&bus, 0x3CE, 0x0106 | 0x0E00, 2); /* GR06 0Fh: graphics */
    look();
    ck_assert(!seen(text));
    bus_port_write(&bus, 0x3CE, 0x0E06, 2);          /* text again: every row is new */
    look();
    ck_assert(seen(text));
}
END_TEST

START_TEST(test_save_restore_goes_on)
{
    clear();
    put_row(2, "before");
    look();
    int before = watch_for("before\n"), after = watch_for("after\n");
    struct state_buffer b = { 0 };
    screen_watch_save(watch, &b);
    ck_assert(!b.failed);

    struct screen_watch *resumed = calloc(1, sizeof *resumed);
    ck_assert_ptr_nonnull(resumed);
    ck_assert(screen_watch_init(resumed));
    int r_before = text_watch_add(&resumed->watch, "before\n"), r_after = text_watch_add(&resumed->watch, "after\n");
    struct state_buffer in = state_buffer_view(b.data, b.len);
    ck_assert(screen_watch_restore(resumed, &in));
    ck_assert_uint_eq(state_remaining(&in), 0);
    /* The resumed watch knows the screen as last looked at: only what changed is fed. */
    put_row(3, "after");
    screen_watch_look(resumed, vga);
    ck_assert(!resumed->watch.seen[r_before]);
    ck_assert(resumed->watch.seen[r_after]);
    (void)before;
    (void)after;
    /* A section cut short, or with a screen larger than any, is refused. */
    struct state_buffer cut = state_buffer_view(b.data, b.len - 1);
    ck_assert(!screen_watch_restore(resumed, &cut));
    uint8_t *bad = malloc(b.len);
    ck_assert_ptr_nonnull(bad);
    memcpy(bad, b.data, b.len);
    size_t rows_at = 4 + le32(bad);
    st16(bad + rows_at, 1000);
    struct state_buffer huge = state_buffer_view(bad, b.len);
    ck_assert(!screen_watch_restore(resumed, &huge));
    free(bad);
    screen_watch_free(resumed);
    free(resumed);
    state_buffer_free(&b);
}
END_TEST

static Suite *screenwatch_suite(void)
{
    Suite *s = suite_create("screenwatch");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_first_look_feeds_every_row);
    tcase_add_test(tc, test_rows_changed_in_place);
    tcase_add_test(tc, test_scrolled_lines_fed_once);
    tcase_add_test(tc, test_line_scrolled_off_between_looks_is_missed);
    tcase_add_test(tc, test_graphics_and_back);
    tcase_add_test(tc, test_save_restore_goes_on);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return check_run(screenwatch_suite()); }
