/*
 * wharf-test-broker: librdkafka's mock cluster as a stand-alone process that
 * speaks the Kafka protocol over TCP, for Wharf's integration tests and the
 * local run.
 *
 * Usage: wharf-test-broker [--brokers N] [--ignore-stdin]
 *                          [topic[:partitions[:replication]] ...]
 *
 * Line 1 on stdout: the bootstrap list ("127.0.0.1:P1,...").
 * Line 2 on stdout: "control 127.0.0.1:PORT", a line-based command port.
 * Commands (also accepted on stdin), one per line, each answered "ok ..." or
 * "error: ...":
 *   ping
 *   broker down|up <id|all>
 *   rtt <id|all> <ms>
 *   errors <apikey> <errcode> [<errcode> ...]       next requests of apikey fail
 *   broker-errors <id> <apikey> <errcode>:<rtt_ms> ...  same, on one broker
 *   clear-errors <apikey>
 *   topic create <name> [partitions [replication]]
 *   topic delete <name>
 * The process exits on SIGTERM/SIGINT and, unless --ignore-stdin, when its
 * stdin closes, so it never outlives the test run that started it.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rdkafka.h"
#include "rdkafka_mock.h"

#define MAX_CLIENTS 32
#define LINE_MAX_LEN 4096
#define MAX_ERRORS 64

/* Kafka API keys whose mock layout differs from what it advertises. */
#define APIKEY_LEAVEGROUP 13

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
        (void)sig;
        stop_requested = 1;
}

struct client {
        int fd;
        int overlong;
        size_t len;
        char buf[LINE_MAX_LEN];
};

struct broker_state {
        rd_kafka_mock_cluster_t *mc;
        int broker_cnt;
};

static void reply(int fd, const char *fmt, ...) {
        char out[LINE_MAX_LEN];
        va_list ap;
        int n;
        va_start(ap, fmt);
        n = vsnprintf(out, sizeof(out) - 1, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t)n > sizeof(out) - 2)
                n = (int)sizeof(out) - 2;
        out[n++] = '\n';
        /* A client that went away mid-reply is not our problem. */
        if (write(fd, out, (size_t)n) < 0)
                return;
}

static int parse_int(const char *s, long *out) {
        char *end;
        if (!s || !*s)
                return -1;
        errno = 0;
        *out  = strtol(s, &end, 10);
        return (errno || *end) ? -1 : 0;
}

/* Applies fn to one broker id, or to every broker for "all". */
static int for_brokers(struct broker_state *st,
                       const char *which,
                       rd_kafka_resp_err_t (*fn)(rd_kafka_mock_cluster_t *,
                                                 int32_t,
                                                 void *),
                       void *arg,
                       char *err,
                       size_t errsize) {
        long id;
        int32_t i;
        rd_kafka_resp_err_t e;
        if (which && !strcmp(which, "all")) {
                for (i = 1; i <= st->broker_cnt; i++) {
                        e = fn(st->mc, i, arg);
                        if (e) {
                                snprintf(err, errsize, "%s", rd_kafka_err2str(e));
                                return -1;
                        }
                }
                return 0;
        }
        if (parse_int(which, &id) || id < 1 || id > st->broker_cnt) {
                snprintf(err, errsize, "broker id must be 1..%d or all",
                         st->broker_cnt);
                return -1;
        }
        e = fn(st->mc, (int32_t)id, arg);
        if (e) {
                snprintf(err, errsize, "%s", rd_kafka_err2str(e));
                return -1;
        }
        return 0;
}

static rd_kafka_resp_err_t do_down(rd_kafka_mock_cluster_t *mc, int32_t id, void *arg) {
        (void)arg;
        return rd_kafka_mock_broker_set_down(mc, id);
}

static rd_kafka_resp_err_t do_up(rd_kafka_mock_cluster_t *mc, int32_t id, void *arg) {
        (void)arg;
        return rd_kafka_mock_broker_set_up(mc, id);
}

static rd_kafka_resp_err_t do_rtt(rd_kafka_mock_cluster_t *mc, int32_t id, void *arg) {
        return rd_kafka_mock_broker_set_rtt(mc, id, *(int *)arg);
}

static int create_topic(struct broker_state *st, const char *spec, char *err, size_t errsize) {
        char name[256];
        long partitions = 1, replication = 1;
        const char *colon = strchr(spec, ':');
        size_t len        = colon ? (size_t)(colon - spec) : strlen(spec);
        rd_kafka_resp_err_t e;
        if (len == 0 || len >= sizeof(name)) {
                snprintf(err, errsize, "bad topic name");
                return -1;
        }
        memcpy(name, spec, len);
        name[len] = '\0';
        if (colon) {
                char rest[64];
                char *colon2;
                snprintf(rest, sizeof(rest), "%s", colon + 1);
                colon2 = strchr(rest, ':');
                if (colon2)
                        *colon2++ = '\0';
                if (parse_int(rest, &partitions) || partitions < 1 ||
                    (colon2 && (parse_int(colon2, &replication) ||
                                replication < 1))) {
                        snprintf(err, errsize, "bad topic spec %s", spec);
                        return -1;
                }
        }
        e = rd_kafka_mock_topic_create(st->mc, name, (int)partitions,
                                       (int)replication);
        if (e) {
                snprintf(err, errsize, "%s: %s", name, rd_kafka_err2str(e));
                return -1;
        }
        return 0;
}

/* Runs one command line; answers on fd. */
static void run_command(struct broker_state *st, char *line, int fd) {
        char *argv[MAX_ERRORS + 4];
        int argc = 0;
        char *save = NULL, *tok;
        char err[512] = "";

        for (tok = strtok_r(line, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
                if (argc == (int)(sizeof(argv) / sizeof(*argv))) {
                        reply(fd, "error: too many words (at most %d)",
                              (int)(sizeof(argv) / sizeof(*argv)));
                        return;
                }
                argv[argc++] = tok;
        }
        if (argc == 0)
                return;

        if (!strcmp(argv[0], "ping")) {
                reply(fd, "ok pong");
        } else if (!strcmp(argv[0], "broker") && argc == 3 &&
                   (!strcmp(argv[1], "down") || !strcmp(argv[1], "up"))) {
                if (for_brokers(st, argv[2], !strcmp(argv[1], "down") ? do_down : do_up,
                                NULL, err, sizeof(err)))
                        reply(fd, "error: %s", err);
                else
                        reply(fd, "ok broker %s %s", argv[1], argv[2]);
        } else if (!strcmp(argv[0], "rtt") && argc == 3) {
                long ms;
                int rtt;
                if (parse_int(argv[2], &ms) || ms < 0 || ms > 3600000) {
                        reply(fd, "error: rtt takes milliseconds from 0 to 3600000");
                        return;
                }
                rtt = (int)ms;
                if (for_brokers(st, argv[1], do_rtt, &rtt, err, sizeof(err)))
                        reply(fd, "error: %s", err);
                else
                        reply(fd, "ok rtt %s %d", argv[1], rtt);
        } else if (!strcmp(argv[0], "errors") && argc >= 3) {
                rd_kafka_resp_err_t errs[MAX_ERRORS];
                long apikey, code;
                int i;
                if (parse_int(argv[1], &apikey) || apikey < 0 || apikey > INT16_MAX) {
                        reply(fd, "error: bad api key");
                        return;
                }
                if (argc - 2 > MAX_ERRORS) {
                        reply(fd, "error: at most %d error codes at once", MAX_ERRORS);
                        return;
                }
                for (i = 2; i < argc; i++) {
                        if (parse_int(argv[i], &code)) {
                                reply(fd, "error: bad error code %s", argv[i]);
                                return;
                        }
                        errs[i - 2] = (rd_kafka_resp_err_t)code;
                }
                rd_kafka_mock_push_request_errors_array(st->mc, (int16_t)apikey,
                                                        (size_t)(argc - 2), errs);
                reply(fd, "ok errors %ld %d", apikey, argc - 2);
        } else if (!strcmp(argv[0], "broker-errors") && argc >= 4) {
                long id, apikey, code, rtt;
                int i;
                if (parse_int(argv[1], &id) || id < 1 || id > st->broker_cnt ||
                    parse_int(argv[2], &apikey) || apikey < 0 || apikey > INT16_MAX) {
                        reply(fd, "error: usage: broker-errors <id> <apikey> <code>:<rtt_ms> ...");
                        return;
                }
                for (i = 3; i < argc; i++) {
                        char *sep = strchr(argv[i], ':');
                        if (!sep) {
                                reply(fd, "error: expected <code>:<rtt_ms>, got %s", argv[i]);
                                return;
                        }
                        *sep = '\0';
                        if (parse_int(argv[i], &code) || parse_int(sep + 1, &rtt) || rtt < 0 ||
                            rtt > 3600000) {
                                reply(fd, "error: bad <code>:<rtt_ms>");
                                return;
                        }
                        rd_kafka_mock_broker_push_request_error_rtts(
                            st->mc, (int32_t)id, (int16_t)apikey, 1,
                            (rd_kafka_resp_err_t)code, (int)rtt);
                }
                reply(fd, "ok broker-errors %ld %ld %d", id, apikey, argc - 3);
        } else if (!strcmp(argv[0], "clear-errors") && argc == 2) {
                long apikey;
                if (parse_int(argv[1], &apikey) || apikey < 0 || apikey > INT16_MAX) {
                        reply(fd, "error: bad api key");
                        return;
                }
                rd_kafka_mock_clear_request_errors(st->mc, (int16_t)apikey);
                reply(fd, "ok clear-errors %ld", apikey);
        } else if (!strcmp(argv[0], "topic") && argc >= 3 && !strcmp(argv[1], "create")) {
                char spec[600];
                snprintf(spec, sizeof(spec), "%s%s%s%s%s", argv[2], argc > 3 ? ":" : "",
                         argc > 3 ? argv[3] : "", argc > 4 ? ":" : "", argc > 4 ? argv[4] : "");
                if (create_topic(st, spec, err, sizeof(err)))
                        reply(fd, "error: %s", err);
                else
                        reply(fd, "ok topic create %s", argv[2]);
        } else if (!strcmp(argv[0], "topic") && argc == 3 && !strcmp(argv[1], "delete")) {
                rd_kafka_resp_err_t e = rd_kafka_mock_topic_delete(st->mc, argv[2]);
                if (e)
                        reply(fd, "error: %s", rd_kafka_err2str(e));
                else
                        reply(fd, "ok topic delete %s", argv[2]);
        } else {
                reply(fd, "error: unknown command %s", argv[0]);
        }
}

/* Feeds bytes into a client's line buffer, running each complete line. A
 * line longer than the buffer is refused whole: the rest of it, up to its
 * newline, is discarded rather than run as a command of its own. */
static void feed(struct broker_state *st, struct client *c, const char *data, size_t n, int out_fd) {
        size_t i;
        for (i = 0; i < n; i++) {
                if (data[i] == '\n') {
                        if (c->overlong)
                                reply(out_fd, "error: line longer than %d bytes", LINE_MAX_LEN - 1);
                        else {
                                c->buf[c->len] = '\0';
                                run_command(st, c->buf, out_fd);
                        }
                        c->len      = 0;
                        c->overlong = 0;
                } else if (c->len + 1 < sizeof(c->buf)) {
                        c->buf[c->len++] = data[i];
                } else {
                        c->overlong = 1;
                }
        }
}

static int open_control_port(int *port) {
        struct sockaddr_in addr;
        socklen_t alen = sizeof(addr);
        int one        = 1;
        int fd         = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
                return -1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        memset(&addr, 0, sizeof(addr));
        addr.sin_family      = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port        = 0;
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 16) ||
            getsockname(fd, (struct sockaddr *)&addr, &alen)) {
                close(fd);
                return -1;
        }
        *port = ntohs(addr.sin_port);
        return fd;
}

static void usage(void) {
        fprintf(stderr,
                "usage: wharf-test-broker [--brokers N] [--ignore-stdin] "
                "[topic[:partitions[:replication]] ...]\n");
}

int main(int argc, char **argv) {
        char errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        struct broker_state st = {NULL, 1};
        int ignore_stdin        = 0;
        int listen_fd, control_port = 0;
        struct client clients[MAX_CLIENTS];
        struct client stdin_client;
        struct sigaction sa;
        int i, stdin_open = 1;

        memset(clients, 0, sizeof(clients));
        for (i = 0; i < MAX_CLIENTS; i++)
                clients[i].fd = -1;
        memset(&stdin_client, 0, sizeof(stdin_client));

        for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
                long v;
                if (!strcmp(argv[i], "--brokers") && i + 1 < argc && !parse_int(argv[i + 1], &v) &&
                    v >= 1 && v <= 16) {
                        st.broker_cnt = (int)v;
                        i++;
                } else if (!strcmp(argv[i], "--ignore-stdin")) {
                        ignore_stdin = 1;
                } else {
                        usage();
                        return 2;
                }
        }

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        conf = rd_kafka_conf_new();
        /* The handle only hosts the mock cluster; keep its own logs quiet. */
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "wharf-test-broker: %s\n", errstr);
                return 1;
        }

        st.mc = rd_kafka_mock_cluster_new(rk, st.broker_cnt);
        if (!st.mc) {
                fprintf(stderr, "wharf-test-broker: could not create the mock cluster\n");
                return 1;
        }

        /* Brokers are numbered from 1; the default controller id 0 makes
         * admin calls and idempotent producers of kafkajs fail. */
        rd_kafka_mock_set_controller_id(st.mc, 1);
        rd_kafka_mock_group_initial_rebalance_delay_ms(st.mc, 0);
        /* The mock advertises LeaveGroup v4 but parses only v0-2. */
        rd_kafka_mock_set_apiversion(st.mc, APIKEY_LEAVEGROUP, 0, 2);

        for (; i < argc; i++) {
                if (create_topic(&st, argv[i], errstr, sizeof(errstr))) {
                        fprintf(stderr, "wharf-test-broker: %s\n", errstr);
                        return 1;
                }
        }

        listen_fd = open_control_port(&control_port);
        if (listen_fd < 0) {
                perror("wharf-test-broker: control port");
                return 1;
        }

        printf("%s\n", rd_kafka_mock_cluster_bootstraps(st.mc));
        printf("control 127.0.0.1:%d\n", control_port);
        fflush(stdout);

        while (!stop_requested) {
                struct pollfd pfds[MAX_CLIENTS + 2];
                int idx[MAX_CLIENTS + 2];
                int nfds = 0, r;

                pfds[nfds].fd     = listen_fd;
                pfds[nfds].events = POLLIN;
                idx[nfds++]       = -2;
                if (stdin_open) {
                        pfds[nfds].fd     = STDIN_FILENO;
                        pfds[nfds].events = POLLIN;
                        idx[nfds++]       = -1;
                }
                for (i = 0; i < MAX_CLIENTS; i++) {
                        if (clients[i].fd < 0)
                                continue;
                        pfds[nfds].fd     = clients[i].fd;
                        pfds[nfds].events = POLLIN;
                        idx[nfds++]       = i;
                }

                r = poll(pfds, (nfds_t)nfds, 500);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("wharf-test-broker: poll");
                        break;
                }

                for (i = 0; i < nfds; i++) {
                        char data[1024];
                        ssize_t n;
                        if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        if (idx[i] == -2) {
                                int c = accept(listen_fd, NULL, NULL);
                                int slot;
                                if (c < 0)
                                        continue;
                                for (slot = 0; slot < MAX_CLIENTS && clients[slot].fd >= 0; slot++)
                                        ;
                                if (slot == MAX_CLIENTS) {
                                        reply(c, "error: too many control clients");
                                        close(c);
                                        continue;
                                }
                                clients[slot].fd       = c;
                                clients[slot].len      = 0;
                                clients[slot].overlong = 0;
                        } else if (idx[i] == -1) {
                                n = read(STDIN_FILENO, data, sizeof(data));
                                if (n <= 0) {
                                        stdin_open = 0;
                                        if (!ignore_stdin)
                                                stop_requested = 1;
                                } else {
                                        feed(&st, &stdin_client, data, (size_t)n, STDOUT_FILENO);
                                }
                        } else {
                                struct client *c = &clients[idx[i]];
                                n                = read(c->fd, data, sizeof(data));
                                if (n <= 0) {
                                        close(c->fd);
                                        c->fd = -1;
                                } else {
                                        feed(&st, c, data, (size_t)n, c->fd);
                                }
                        }
                }
        }

        for (i = 0; i < MAX_CLIENTS; i++)
                if (clients[i].fd >= 0)
                        close(clients[i].fd);
        close(listen_fd);
        rd_kafka_mock_cluster_destroy(st.mc);
        rd_kafka_destroy(rk);
        return 0;
}
