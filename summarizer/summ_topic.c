#include "summ_topic.h"

#include <pthread.h>
#include <string.h>

#include "nm_buf.h"

typedef struct {
    const char *label;
    const char *const *words;
} topic_t;

static const char *const SCIENCE[] = {
    "space", "spacecraft", "astronaut*", "moon", "lunar", "mars", "rocket*", "satellite*",
    "orbit*", "nasa", "cnsa", "tiangong", "telescope*", "scientist*", "science*", "scientific",
    "research*", "physic*", "asteroid*", "planet*", "crater*", "probe", "shenzhou", "tianzhou",
    "tianwen", "quantum", "genome", "gene", "genes", "genetic*", "fossil*", "species",
    "laborator*", "experiment*", "spaceflight*", "cosmic", "galax*", "dinosaur*", "chang'e",
    "biolog*", "chemist*", "astronom*", "climate", "geolog*", NULL,
};
static const char *const DIPLOMACY[] = {
    "diplomat*", "foreign", "ambassador*", "embassy", "embassies", "summit*", "talks",
    "bilateral", "multilateral", "treaty", "treaties", "envoy*", "ties", "relations",
    "negotiat*", "ceasefire", "asean", "un", "minister*", "premier", "visit*", "allies",
    "alliance*", "sovereignty", "dialogue", "counterpart*", "delegation*", "statesm*",
    "consulate*", "g7", "g20", "brics", "rubio", "blinken", NULL,
};
static const char *const TECHNOLOGY[] = {
    "technolog*", "tech", "ai", "artificial", "chip*", "semiconductor*", "software", "internet",
    "app", "apps", "smartphone*", "computer*", "computing", "digital", "robot*", "startup*",
    "start-up*", "online", "algorithm*", "huawei", "tencent", "alibaba", "baidu", "bytedance",
    "tiktok", "google", "microsoft", "broadband", "mobile", "gadget*", "device*", "5g", "cyber*",
    "hacker*", "web", "website*", "browser*", "gaming", "console*", "open-source", "chatbot*",
    "deepseek", "openai", "nvidia", "unicorn", "electric", "battery", "batteries", "pc", "pcs",
    "broadband", "telecom*", "silicon", "users", "e-mail", "email", "spam", "virus", NULL,
};
static const char *const ECONOMY[] = {
    "econom*", "trade", "trading", "tariff*", "export*", "import*", "market*", "price*",
    "inflation", "gdp", "growth", "bank*", "invest*", "stock*", "shares", "profit*", "revenue*",
    "sales", "currency", "yuan", "dollar*", "debt*", "tax*", "business*", "compan*", "firm*",
    "industr*", "manufactur*", "consumer*", "billion", "oil", "financ*", "fiscal", "rates",
    "earnings", "jobs", "unemployment", "retail*", "property", "farmer*", "pork", "deficit*",
    "budget*", "subsid*", "supply", "demand", "exchange", "economist*", "euro", "pound",
    "shareholder*", "takeover", "merger", "deal", "airline*", NULL,
};
static const char *const SOCIETY[] = {
    "social", "society", "school*", "student*", "education", "family", "families", "children",
    "child", "parent*", "village*", "resident*", "viral", "netizen*", "marriage", "married",
    "women", "elderly", "housing", "communit*", "welfare", "graduate*", "universit*",
    "teacher*", "poverty", "migrant*", "protest*", "kindergarten*", "wedding*", "population",
    "birth*", "pension*", "rural", "citizens", "public", "weibo", "douyin", "workers",
    "employee*", "driver*", "accident*", "disaster*", "flood*", "landslide*", "earthquake*",
    "rescue*", "survive*", "scandal", "backlash", NULL,
};
static const char *const MILITARY[] = {
    "military", "army", "navy", "naval", "troops", "soldier*", "defence", "defense", "weapon*",
    "missile*", "nuclear", "war", "wars", "warship*", "drone*", "pla", "security", "attack*",
    "terror*", "fighter*", "combat", "conflict*", "arms", "deterrence", "deter", "invasion",
    "strike*", "warplane*", "carrier*", "submarine*",
    "exercises", "drills", "pentagon", "nato", "militar*", "bomb*", "jet", "jets",
    "intelligence", "espionage", "spy", "spies", "threat*", "border", NULL,
};
static const char *const HEALTH[] = {
    "health", "healthcare", "hospital*", "doctor*", "patient*", "disease*", "covid*",
    "vaccin*", "drug", "drugs", "medicine*", "medical", "obesity", "cancer*", "poison*",
    "illness*", "treatment*", "clinic*", "pharmaceutical*", "nurse*", "mental", "infection*",
    "epidemic*", "pandemic*", "diet*", "weight-loss", "diabetes", "outbreak*", "symptom*",
    "surgery", "surgeon*", "therapy", "ozempic", "semaglutide", "nhs", "flu", "blood",
    NULL,
};
static const char *const LAW[] = {
    "law", "laws", "legal", "court*", "judge*", "lawyer*", "jail*", "prison*", "sentenced",
    "crime*", "criminal*", "police", "arrest*", "trial", "prosecut*", "lawsuit*", "ruling*",
    "verdict", "convicted", "conviction", "fraud", "regulation*", "regulator*", "illegal",
    "attorney*", "charged", "legislation", "sued", "sue", "suing", "detained", "custody",
    "tribunal", "arbitration", "barrister*", "solicitor*", "justice", "guilty", "appeal*",
    "offence*", "offense*", "bill", "ban", "banned", NULL,
};
static const char *const CULTURE[] = {
    "culture", "cultural", "film*", "movie*", "music*", "art", "arts", "artist*", "museum*",
    "heritage", "unesco", "festival*", "book*", "novel*", "author*", "actor*", "actress*",
    "singer*", "band", "album*", "tv", "television", "award*", "oscar*", "theatre*",
    "theater*", "tomb*", "ancient", "histor*", "dynasty", "archaeolog*", "tourism", "tourist*",
    "fashion", "literature", "poet*", "opera", "concert*", "cinema*", "director",
    "star", "stars", "show", "series", "comedy", "drama", "chart*", "song*", "celebrit*",
    "dance*", "painting*", "exhibition*", "relic*", "temple*", "cuisine", NULL,
};

static const topic_t TOPICS[] = {
    {"space and science", SCIENCE},
    {"diplomacy", DIPLOMACY},
    {"technology", TECHNOLOGY},
    {"economy and trade", ECONOMY},
    {"society", SOCIETY},
    {"military and security", MILITARY},
    {"health", HEALTH},
    {"law", LAW},
    {"culture", CULTURE},
};
#define NTOPICS (sizeof TOPICS / sizeof TOPICS[0])

#define MAXKW 96

/* Every topic's keywords in one index by their first two characters (a
 * one-character keyword under its character and '\0', the key of a
 * one-character word; a one-character prefix keyword under every second
 * character), each bucket in (topic, keyword) order, so the first match
 * per topic is the one a scan of that topic's list finds. A word is
 * compared only with the one or two keywords that could match it. Built
 * once. Keywords start with a letter or digit, as words do. */
typedef struct {
    unsigned char t, k, kl, prefix;   /* topic, keyword index, length without '*', prefix keyword */
} kwent_t;

#define NKEYS (256 * 256)
static struct {
    unsigned short start[NKEYS + 1];
    kwent_t *e;   /* allocated once, kept for the process's life */
} IX;
static pthread_once_t ix_once = PTHREAD_ONCE_INIT;

static unsigned key_of(const char *w, size_t wl)
{
    return (unsigned)(unsigned char)w[0] << 8 | (wl >= 2 ? (unsigned char)w[1] : 0);
}

/* Calls fn for every bucket keyword (t, k) belongs in. */
static void ix_keys(size_t t, int k, void (*fn)(unsigned key, size_t t, int k))
{
    const char *kw = TOPICS[t].words[k];
    size_t kl = strlen(kw);
    int prefix = kl && kw[kl - 1] == '*';
    size_t l = prefix ? kl - 1 : kl;
    if (l == 0) return;   /* "*" alone: no such keyword */
    if (l >= 2 || !prefix) {
        fn(key_of(kw, l), t, k);
    } else {
        for (unsigned c = 0; c < 256; c++) fn((unsigned)(unsigned char)kw[0] << 8 | c, t, k);
    }
}

static void ix_count(unsigned key, size_t t, int k)
{
    (void)t, (void)k;
    IX.start[key + 1]++;
}

static unsigned short *ix_fill;

static void ix_put(unsigned key, size_t t, int k)
{
    const char *kw = TOPICS[t].words[k];
    size_t kl = strlen(kw);
    int prefix = kl && kw[kl - 1] == '*';
    IX.e[ix_fill[key]++] = (kwent_t){ .t = (unsigned char)t, .k = (unsigned char)k,
                                     .kl = (unsigned char)(prefix ? kl - 1 : kl), .prefix = (unsigned char)prefix };
}

static void ix_build(void)
{
    for (size_t t = 0; t < NTOPICS; t++)
        for (int k = 0; TOPICS[t].words[k] && k < MAXKW; k++) ix_keys(t, k, ix_count);
    for (unsigned key = 0; key < NKEYS; key++) IX.start[key + 1] += IX.start[key];
    IX.e = nm_calloc(IX.start[NKEYS] ? IX.start[NKEYS] : 1, sizeof *IX.e);
    static unsigned short fill[NKEYS];
    memcpy(fill, IX.start, sizeof fill);
    ix_fill = fill;
    for (size_t t = 0; t < NTOPICS; t++)
        for (int k = 0; TOPICS[t].words[k] && k < MAXKW; k++) ix_keys(t, k, ix_put);
    ix_fill = NULL;
}

/* The C locale's isalnum and tolower in one table: a letter or digit's
 * lowercase form, 0 for anything else. */
static const unsigned char LOWER_ALNUM[256] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
    ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
#define L(u, l) [u] = l, [l] = l
    L('A', 'a'), L('B', 'b'), L('C', 'c'), L('D', 'd'), L('E', 'e'), L('F', 'f'), L('G', 'g'),
    L('H', 'h'), L('I', 'i'), L('J', 'j'), L('K', 'k'), L('L', 'l'), L('M', 'm'), L('N', 'n'),
    L('O', 'o'), L('P', 'p'), L('Q', 'q'), L('R', 'r'), L('S', 's'), L('T', 't'), L('U', 'u'),
    L('V', 'v'), L('W', 'w'), L('X', 'x'), L('Y', 'y'), L('Z', 'z'),
#undef L
};

/* Add hits of s to score: weight per hit, each keyword at most cap times. */
static void count(const char *s, int weight, int cap, int score[NTOPICS], unsigned char hits[NTOPICS][MAXKW])
{
    if (!s) return;
    /* bounded work on huge texts: keywords show early enough */
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strnlen(s, 200000);
    char w[48];
    size_t i = 0;
    while (i < len) {
        while (i < len && !LOWER_ALNUM[u[i]]) i++;
        size_t wl = 0;
        int too_long = 0;
        /* words keep inner hyphens and apostrophes: "weight-loss", "chang'e" */
        for (; i < len; i++) {
            unsigned char c = LOWER_ALNUM[u[i]];
            if (!c) {
                if (!((u[i] == '-' || u[i] == '\'') && wl && i + 1 < len && LOWER_ALNUM[u[i + 1]])) break;
                c = u[i];
            }
            if (wl + 1 < sizeof w) w[wl++] = (char)c;
            else too_long = 1;
        }
        if (!wl || too_long) continue;
        w[wl] = '\0';
        unsigned matched = 0;   /* topics whose first matching keyword is found */
        unsigned key = key_of(w, wl);
        for (unsigned p = IX.start[key]; p < IX.start[key + 1]; p++) {
            const kwent_t *e = &IX.e[p];
            if (matched & (1u << e->t)) continue;
            if (e->prefix ? wl < e->kl : wl != e->kl) continue;
            /* the bucket matched the first two characters already */
            const char *kw = TOPICS[e->t].words[e->k];
            size_t q = 2;
            while (q < e->kl && kw[q] == w[q]) q++;
            if (q < e->kl) continue;
            matched |= 1u << e->t;
            if (hits[e->t][e->k] >= cap) continue;
            hits[e->t][e->k]++;
            score[e->t] += weight;
        }
    }
}

size_t summ_topics(const char *title, const char *text, const char **labels, size_t max)
{
    pthread_once(&ix_once, ix_build);
    int score[NTOPICS] = {0};
    unsigned char th[NTOPICS][MAXKW], xh[NTOPICS][MAXKW];
    memset(th, 0, sizeof th);
    memset(xh, 0, sizeof xh);
    count(title, 3, 255, score, th);
    count(text, 1, 3, score, xh);
    size_t best = NTOPICS, second = NTOPICS;
    for (size_t t = 0; t < NTOPICS; t++) {
        if (best == NTOPICS || score[t] > score[best]) { second = best; best = t; }
        else if (second == NTOPICS || score[t] > score[second]) second = t;
    }
    if (max == 0) return 0;
    if (best == NTOPICS || score[best] < 3) {
        labels[0] = "other";
        return 1;
    }
    labels[0] = TOPICS[best].label;
    if (max >= 2 && second != NTOPICS && score[second] >= 4 && score[second] * 2 >= score[best]) {
        labels[1] = TOPICS[second].label;
        return 2;
    }
    return 1;
}
