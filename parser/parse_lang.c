/* parse_lang: the language of an article's text when the page declares none.
 *
 * Scripts first (Han with kana -> ja, Han -> zh, Hangul -> ko, Cyrillic ->
 * ru/uk/bg, Arabic, Hebrew, Greek, Thai, Devanagari), then, for Latin text,
 * the language whose most common function words cover the most tokens.
 * Reads at most the first 16 KiB; linear; returns a static BCP 47 primary
 * tag or NULL when there is too little text to say. */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "parse_lang.h"

#define LANG_SCAN_BYTES (16 * 1024)

typedef struct { const char *code; const char *words; } lang_t;

/* space-delimited, each word surrounded by spaces for a strstr lookup */
static const lang_t langs[] = {
    {"en", " the of and to in is that for it was on with as are be this by at from have not but or an they which you his her their has were will been would "},
    {"de", " der die und in den von zu das mit sich des auf ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem so zum war haben nur oder aber fur uber "},
    {"fr", " le la les de des et en un une du est que qui dans pour pas au sur par plus ne se ce il sont avec ou son sa mais nous vous elle ont aux cette "},
    {"es", " el la de que y en los del se las por un para con no una su al es lo como mas pero sus le ya o este fue ha muy sin sobre entre cuando "},
    {"it", " il di che e la per un in non del una le da si sono della al con ma anche come nel gli ha dei alla piu questo era essere "},
    {"pt", " de a o que e do da em um para com uma os no se na por mais as dos como mas ao ele das tem seu sua ou quando muito nos ja foi "},
    {"nl", " de het een en van in is dat op te zijn met voor niet aan er ook als bij om maar dan nog wel door naar uit worden heeft hij zij wordt "},
    {"sv", " och i att det som en pa ar av med till den har de inte om ett han var jag sig fran vi men ut sa kan "},
    {"pl", " i w nie na sie z do to jest ze co jak po o ale za od tak przez dla sa lub juz tylko jego czy "},
    {"id", " yang dan di ini itu dengan untuk dari dalam tidak akan pada ke adalah juga ada oleh karena mereka kami bisa atau "},
    {"tr", " ve bir bu da de icin ile olarak daha cok gibi ama en olan kadar sonra her ne var "},
    {NULL, NULL},
};

/* Decode one UTF-8 code point (input is valid UTF-8 from the extractor). */
static uint32_t cp_next(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint32_t c = p[0];
    int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    if (n == 2) c &= 0x1F; else if (n == 3) c &= 0x0F; else if (n == 4) c &= 0x07;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) { n = i; break; }
        c = (c << 6) | (p[i] & 0x3F);
    }
    *pp = p + n;
    return c;
}

const char *parse_lang_detect(const char *text)
{
    if (!text) return NULL;
    const unsigned char *p = (const unsigned char *)text, *end = p + strnlen(text, LANG_SCAN_BYTES);
    long han = 0, kana = 0, hangul = 0, cyr = 0, arabic = 0, hebrew = 0, greek = 0, thai = 0, deva = 0, latin = 0;
    long ukr = 0, bul = 0;
    long score[sizeof langs / sizeof langs[0]] = {0};
    long words = 0;
    char w[24];
    size_t wl = 0;
    while (p < end) {
        uint32_t c = cp_next(&p);
        int letter = 0;
        if (c < 0x80) {
            if (isalpha((int)c)) { letter = 1; latin++; c = (uint32_t)tolower((int)c); }
        } else if (c >= 0xC0 && c < 0x250) {
            letter = 1; latin++;
            /* fold the common accented letters onto ASCII for the word lists */
            static const char fold[] = "aaaaaaaceeeeiiiidnooooo/ouuuuyty";
            if (c >= 0xE0 && c <= 0xFF) c = (uint32_t)fold[c - 0xE0];
            else if (c >= 0xC0 && c <= 0xDF) c = (uint32_t)fold[c - 0xC0];
            else c = 'x';
        } else if (c >= 0x3040 && c <= 0x30FF) kana++;
        else if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF)) han++;
        else if (c >= 0xAC00 && c <= 0xD7AF) hangul++;
        else if (c >= 0x0400 && c <= 0x04FF) {
            cyr++;
            if (c == 0x0456 || c == 0x0457 || c == 0x0454 || c == 0x0491) ukr++;   /* і ї є ґ */
            if (c == 0x044A) bul++;                                                /* ъ */
        } else if (c >= 0x0600 && c <= 0x06FF) arabic++;
        else if (c >= 0x0590 && c <= 0x05FF) hebrew++;
        else if (c >= 0x0370 && c <= 0x03FF) greek++;
        else if (c >= 0x0E00 && c <= 0x0E7F) thai++;
        else if (c >= 0x0900 && c <= 0x097F) deva++;
        if (letter && c < 0x80) {
            if (wl + 1 < sizeof w) w[wl++] = (char)c;
            continue;
        }
        if (wl && wl + 2 < sizeof w) {
            char key[28];
            key[0] = ' ';
            memcpy(key + 1, w, wl);
            key[wl + 1] = ' ';
            key[wl + 2] = 0;
            words++;
            for (int i = 0; langs[i].code; i++)
                if (strstr(langs[i].words, key)) score[i]++;
        }
        wl = 0;
    }
    long cjk = han + kana + hangul;
    long other = cyr + arabic + hebrew + greek + thai + deva;
    if (cjk > 20 && cjk > latin / 2) {
        if (hangul > han) return "ko";
        if (kana * 10 > han) return "ja";
        return "zh";
    }
    if (other > 40 && other > latin) {
        if (cyr >= arabic && cyr >= hebrew && cyr >= greek && cyr >= thai && cyr >= deva)
            return ukr * 50 > cyr ? "uk" : bul * 40 > cyr ? "bg" : "ru";
        if (arabic >= hebrew && arabic >= greek && arabic >= thai && arabic >= deva) return "ar";
        if (hebrew >= greek && hebrew >= thai && hebrew >= deva) return "he";
        if (greek >= thai && greek >= deva) return "el";
        return thai >= deva ? "th" : "hi";
    }
    if (words < 15) return NULL;
    int best = -1;
    for (int i = 0; langs[i].code; i++)
        if (best < 0 || score[i] > score[best]) best = i;
    /* function words are a fifth or more of running text in these languages */
    if (best < 0 || score[best] * 12 < words) return NULL;
    return langs[best].code;
}
