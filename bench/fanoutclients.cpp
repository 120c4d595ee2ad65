// sioscope-bench-fanout: the generator of the server group (bench/node/server.js). It holds
// thousands of Engine.IO v4 WebSocket clients of one server, all joined to `/`, and has the first
// one ask for broadcasts, counting each client's `news`.
//
//   sioscope-bench-fanout <port> <clients> <rounds> <window>
//
// On stdout, one line per phase, each answered by a line on stdin so that the driver can read the
// server's /proc figures between phases:
//   joined <ms>        every client joined (<window> handshakes in flight at a time); then "go"
//   broadcast <ms>     <rounds> broadcasts, each ended when every client had its news; then "close"
//   error <text>       anything unexpected; the process exits 1
//
// Why C++ and epoll rather than Node: on two cores the generator and the server share the CPU.
// Node (`ws`, or even a bare `net` socket) spent 12.5–13 µs of CPU per received message, as much
// as the server spends sending it, so the two together filled both cores and the generator set
// the rate. Here a message costs one read(2) and a byte comparison. The client does only what
// the group needs: one upgrade (101 checked), unmasked single-frame text messages from the server
// (anything else is an error), and masked text frames out with a zero masking key (RFC 6455 5.3
// wants an unpredictable key to protect proxies from cache poisoning; there is no proxy on
// loopback, and both servers unmask it the same way). Loopback only; every phase has a deadline.
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view Upgrade = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                                     "Host: 127.0.0.1\r\n"
                                     "Upgrade: websocket\r\n"
                                     "Connection: Upgrade\r\n"
                                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                     "Sec-WebSocket-Version: 13\r\n\r\n";
constexpr std::size_t MaxHeadBytes = 8192;
constexpr std::size_t MaxPendingBytes = 1 << 20;
constexpr auto ConnectDeadline = std::chrono::seconds(120);
constexpr auto RoundDeadline = std::chrono::seconds(60);
constexpr useconds_t PauseUs = 1000;

struct Client
{
    enum class State { Connecting, AwaitingUpgrade, Open, Joined };
    int fd = -1;
    State state = State::Connecting;
    int news = 0;
    std::string pending; // a partial head or frame carried to the next read
};

[[noreturn]] void fail(const std::string &message)
{
    std::printf("error %s\n", message.c_str());
    std::fflush(stdout);
    std::exit(1);
}

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Waits for the driver's go-ahead; anything but `expected` ends the run.
void awaitLine(const char *expected)
{
    char line[64];
    if (!std::fgets(line, sizeof line, stdin))
        std::exit(0); // the driver went away
    if (std::strncmp(line, expected, std::strlen(expected)) != 0)
        fail(std::string("expected \"") + expected + "\" on stdin");
}

class Generator
{
public:
    Generator(int port, int count, int window)
        : m_port(port)
        , m_count(count)
        , m_window(window)
    {
        m_epoll = epoll_create1(EPOLL_CLOEXEC);
        if (m_epoll < 0)
            fail(std::string("epoll_create1: ") + std::strerror(errno));
        m_clients.resize(count);
    }

    void connectAll()
    {
        const auto start = Clock::now();
        for (int i = 0; i < std::min(m_window, m_count); ++i)
            startNext();
        while (m_joined < m_count) {
            if (Clock::now() - start > ConnectDeadline)
                fail(std::to_string(m_joined) + " of " + std::to_string(m_count) +
                     " clients joined within 120 s");
            poll();
        }
        std::printf("joined %.1f\n", msSince(start));
        std::fflush(stdout);
    }

    void broadcast(int rounds)
    {
        const auto start = Clock::now();
        m_pause = true;
        for (int round = 1; round <= rounds; ++round) {
            m_round = round;
            m_waiting = m_count;
            const std::string text = "42[\"broadcast\",{\"round\":" + std::to_string(round) +
                                     ",\"text\":\"hello everyone\"}]";
            sendText(0, text);
            const auto roundStart = Clock::now();
            while (m_waiting > 0) {
                if (Clock::now() - roundStart > RoundDeadline)
                    fail("broadcast " + std::to_string(round) + ": " + std::to_string(m_waiting) +
                         " of " + std::to_string(m_count) + " clients still waiting after 60 s");
                poll();
            }
        }
        std::printf("broadcast %.1f\n", msSince(start));
        std::fflush(stdout);
    }

    void closeAll()
    {
        for (Client &client : m_clients) {
            if (client.fd >= 0)
                ::close(client.fd);
            client.fd = -1;
        }
    }

private:
    void startNext()
    {
        if (m_started >= m_count)
            return;
        const int index = m_started++;
        Client &client = m_clients[index];
        client.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (client.fd < 0)
            fail("client " + std::to_string(index) + ": socket: " + std::strerror(errno));
        const int one = 1;
        setsockopt(client.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<uint16_t>(m_port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(client.fd, reinterpret_cast<sockaddr *>(&address), sizeof address) < 0 &&
            errno != EINPROGRESS)
            fail("client " + std::to_string(index) + ": connect: " + std::strerror(errno));
        epoll_event event{};
        event.events = EPOLLOUT;
        event.data.u32 = static_cast<uint32_t>(index);
        if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, client.fd, &event) < 0)
            fail(std::string("epoll_ctl: ") + std::strerror(errno));
    }

    void poll()
    {
        epoll_event events[512];
        const int ready = epoll_wait(m_epoll, events, 512, 100);
        if (ready < 0 && errno != EINTR)
            fail(std::string("epoll_wait: ") + std::strerror(errno));
        for (int i = 0; i < ready; ++i) {
            const int index = static_cast<int>(events[i].data.u32);
            if (m_clients[index].state == Client::State::Connecting)
                connected(index);
            else
                readable(index);
        }
        if (m_pause && ready < 512)
            usleep(PauseUs);
    }

    void connected(int index)
    {
        Client &client = m_clients[index];
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(client.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0)
            fail("client " + std::to_string(index) + ": connect: " + std::strerror(error));
        writeAll(index, Upgrade.data(), Upgrade.size());
        client.state = Client::State::AwaitingUpgrade;
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u32 = static_cast<uint32_t>(index);
        if (epoll_ctl(m_epoll, EPOLL_CTL_MOD, client.fd, &event) < 0)
            fail(std::string("epoll_ctl: ") + std::strerror(errno));
    }

    // Every write here is a few bytes to a socket whose buffer the server keeps empty; one that
    // does not go out whole at once is reported rather than queued.
    void writeAll(int index, const char *data, std::size_t size)
    {
        const ssize_t written = ::send(m_clients[index].fd, data, size, MSG_NOSIGNAL);
        if (written != static_cast<ssize_t>(size))
            fail("client " + std::to_string(index) +
                 ": send: " + (written < 0 ? std::strerror(errno) : "short write"));
    }

    void sendText(int index, std::string_view text)
    {
        std::string frame;
        frame.reserve(text.size() + 14);
        frame.push_back(static_cast<char>(0x81));
        if (text.size() < 126) {
            frame.push_back(static_cast<char>(0x80 | text.size()));
        } else if (text.size() < 65536) {
            frame.push_back(static_cast<char>(0x80 | 126));
            frame.push_back(static_cast<char>(text.size() >> 8));
            frame.push_back(static_cast<char>(text.size() & 0xff));
        } else {
            fail("a message of more than 64 KiB");
        }
        frame.append(4, '\0'); // the masking key: zero, so the payload goes as it is
        frame.append(text);
        writeAll(index, frame.data(), frame.size());
    }

    void readable(int index)
    {
        Client &client = m_clients[index];
        char buffer[65536];
        const ssize_t got = ::read(client.fd, buffer, sizeof buffer);
        if (got == 0)
            fail("client " + std::to_string(index) + ": closed by the server after " +
                 std::to_string(m_joined) + " joined");
        if (got < 0) {
            if (errno == EAGAIN || errno == EINTR)
                return;
            fail("client " + std::to_string(index) + ": read: " + std::strerror(errno));
        }
        std::string_view data(buffer, static_cast<std::size_t>(got));
        std::string joined;
        if (!client.pending.empty()) {
            joined = std::move(client.pending);
            joined.append(data);
            client.pending.clear();
            data = joined;
        }
        if (client.state == Client::State::AwaitingUpgrade) {
            const std::size_t end = data.find("\r\n\r\n");
            if (end == std::string_view::npos) {
                if (data.size() > MaxHeadBytes)
                    fail("client " + std::to_string(index) + ": no end of the upgrade response");
                client.pending.assign(data);
                return;
            }
            if (data.substr(0, 13) != "HTTP/1.1 101 ")
                fail("client " + std::to_string(index) +
                     ": upgrade refused: " + std::string(data.substr(0, data.find("\r\n"))));
            client.state = Client::State::Open;
            data.remove_prefix(end + 4);
        }
        std::size_t offset = 0;
        while (offset + 2 <= data.size()) {
            const auto first = static_cast<unsigned char>(data[offset]);
            const auto second = static_cast<unsigned char>(data[offset + 1]);
            if (first != 0x81 || (second & 0x80))
                fail("client " + std::to_string(index) + ": unexpected frame header " +
                     std::to_string(first) + ", " + std::to_string(second));
            std::size_t length = second & 0x7f;
            std::size_t head = 2;
            if (length == 126) {
                if (offset + 4 > data.size())
                    break;
                length = (static_cast<unsigned char>(data[offset + 2]) << 8) |
                         static_cast<unsigned char>(data[offset + 3]);
                head = 4;
            } else if (length == 127) {
                fail("client " + std::to_string(index) + ": a message of more than 64 KiB");
            }
            if (offset + head + length > data.size())
                break;
            message(index, data.substr(offset + head, length));
            offset += head + length;
        }
        if (offset < data.size()) {
            if (data.size() - offset > MaxPendingBytes)
                fail("client " + std::to_string(index) + ": a frame of more than 1 MiB");
            client.pending.assign(data.substr(offset));
        }
    }

    void message(int index, std::string_view text)
    {
        Client &client = m_clients[index];
        if (text.substr(0, 9) == "42[\"news\"") {
            if (++client.news == m_round)
                --m_waiting;
        } else if (text == "2") {
            sendText(index, "3");
        } else if (text.substr(0, 2) == "0{") {
            sendText(index, "40");
        } else if (text.substr(0, 2) == "40") {
            if (client.state == Client::State::Joined)
                fail("client " + std::to_string(index) + ": a second CONNECT reply");
            client.state = Client::State::Joined;
            ++m_joined;
            startNext();
        } else if (text.substr(0, 2) == "44") {
            fail("client " + std::to_string(index) + ": CONNECT refused: " + std::string(text));
        }
    }

    int m_port;
    int m_count;
    int m_window;
    int m_epoll = -1;
    std::vector<Client> m_clients;
    int m_started = 0;
    int m_joined = 0;
    int m_round = 0;
    int m_waiting = 0;
    bool m_pause = false;
};

} // namespace

int main(int argc, char **argv)
{
    if (argc != 5) {
        std::fprintf(stderr, "usage: sioscope-bench-fanout <port> <clients> <rounds> <window>\n");
        return 2;
    }
    const int port = std::atoi(argv[1]);
    const int count = std::atoi(argv[2]);
    const int rounds = std::atoi(argv[3]);
    const int window = std::atoi(argv[4]);
    if (port <= 0 || port > 65535 || count <= 0 || count > 100000 || rounds <= 0 || rounds > 1000 ||
        window <= 0) {
        std::fprintf(stderr, "sioscope-bench-fanout: bad arguments\n");
        return 2;
    }
    // One descriptor per client and a few more.
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < rlim_t(count) + 64) {
        limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, rlim_t(count) + 64);
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    Generator generator(port, count, window);
    generator.connectAll();
    awaitLine("go");
    generator.broadcast(rounds);
    awaitLine("close");
    generator.closeAll();
    return 0;
}
