#!/usr/bin/env python3
"""Regenerate deploy/sample/ from shared/seeds/000_*.txt (run once by a developer;
the output is committed, this script is kept so the data's origin is clear).

The seed digest holds 20 original articles (title, URL, text). Each becomes a
page wrapped in realistic boilerplate (navigation, share bar, cookie banner,
related-article list, newsletter box, footer, scripts, JSON-LD), served by the
quickstart's loopback server; feed.xml is an RSS 2.0 feed listing them with
relative links. expected.json records what extraction must recover.

The original pages' question subheadings did not survive in the seed (only
their one-word answers did); for the first article we restore plausible
questions as <h2> so the demo shows headings being kept.
"""
import glob, html, json, os, re, sys

here = os.path.dirname(os.path.abspath(__file__))
seed = glob.glob(os.path.join(here, '../../../shared/seeds/000_*.txt'))
if not seed:
    sys.exit('seed digest not found (expected ../shared/seeds/000_*.txt next to the project)')
lines = open(seed[0], encoding='utf-8').read().split('\n')

titles = [l[2:] for l in lines[3:23]]
assert len(titles) == 20 and all(lines[3 + i].startswith('- ') for i in range(20))

# originals start after the summaries: each is a title line, then URL+first paragraph glued
starts = []
for i in range(84, len(lines)):
    if lines[i] in titles and i + 1 < len(lines) and lines[i + 1].startswith('https://'):
        starts.append(i)
assert len(starts) == 20, len(starts)

HEADINGS = {  # article 0: answer line -> the question heading restored before it
    'Possibly.': 'Will China beat the US back to the moon?',
    'Very serious.': 'How serious is China about a base on the moon?',
    'Possibly – at least when it comes to bringing back rocks from Mars.': 'Could China win the race to Mars?',
    'Probably.': 'Will China build the communication links for deep space first?',
    'Definitely.': 'Is space part of China’s diplomacy?',
}

articles = []
for n, s in enumerate(starts):
    end = starts[n + 1] if n + 1 < len(starts) else len(lines)
    title = lines[s]
    url, first = lines[s + 1].split('utm_source=rss_feed', 1)
    url = url + 'utm_source=rss_feed'
    paras = [first] + [l for l in lines[s + 2:end] if l.strip()]
    blocks = []
    for p in paras:
        if n == 0 and p in HEADINGS:
            blocks.append(('h2', HEADINGS[p]))
        blocks.append(('p', p))
    m = re.search(r'/article/(\d+)/', url)
    articles.append(dict(id=m.group(1), title=title, url=url,
                         canonical=url.split('?')[0], blocks=blocks))

E = html.escape
SECTIONS = ['China', 'Politics', 'Diplomacy', 'Science', 'Tech', 'Economy', 'People & Culture', 'Opinion']

def page(a, i):
    hour = 2 + i  # spread publication times through the day, UTC
    published = '2025-07-13T%02d:%02d:00Z' % (hour, (i * 7) % 60)
    related = [b for b in articles if b is not a][:5]
    body = []
    for kind, text in a['blocks']:
        body.append('      <%s>%s</%s>' % (kind, E(text), kind))
        if kind == 'p' and len(body) == 3:
            body.append('      <div class="ad-slot advert" aria-hidden="true"><span>Advertisement</span></div>')
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a['title'],
          "datePublished": published, "author": {"@type": "Person", "name": "Staff Reporter"},
          "publisher": {"@type": "Organization", "name": "South China Morning Post"},
          "mainEntityOfPage": a['canonical']}
    return f'''<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{E(a['title'])} | South China Morning Post</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta property="og:title" content="{E(a['title'])}">
  <meta property="og:site_name" content="South China Morning Post">
  <meta property="og:type" content="article">
  <meta property="og:url" content="{E(a['canonical'])}">
  <meta property="article:published_time" content="{published}">
  <meta name="author" content="Staff Reporter">
  <link rel="canonical" href="{E(a['canonical'])}">
  <link rel="stylesheet" href="/static/site.css">
  <script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
  <script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag('js', new Date());</script>
</head>
<body>
  <div id="cookie-consent" class="cookie-banner">We use cookies to improve your experience. By continuing you agree to our <a href="/privacy">cookie policy</a>. <button>Accept</button></div>
  <header class="site-header">
    <a class="logo" href="/">South China Morning Post</a>
    <nav class="main-nav"><ul>{''.join('<li><a href="/%s">%s</a></li>' % (s.lower().replace(' & ', '-'), E(s)) for s in SECTIONS)}</ul></nav>
    <div class="account"><a href="/login">Sign in</a> <a href="/subscribe" class="subscribe-button">Subscribe</a></div>
  </header>
  <main>
    <article class="article">
      <div class="breadcrumb"><a href="/news">News</a> › <a href="/news/china">China</a></div>
      <h1 class="headline">{E(a['title'])}</h1>
      <div class="byline">By <a href="/author/staff" rel="author">Staff Reporter</a> · <time datetime="{published}">13 Jul 2025</time></div>
      <div class="share-bar social-share"><a href="#">Share on Facebook</a><a href="#">Share on X</a><a href="#">Copy link</a><a href="#">Print</a></div>
      <div class="article-body">
{chr(10).join(body)}
      </div>
      <div class="newsletter-signup">
        <h3>Get the China AM newsletter</h3>
        <p>Sign up for our free newsletter and get the top China stories delivered to your inbox every morning.</p>
        <form><input type="email" placeholder="Your email"><button>Sign up</button></form>
      </div>
      <div class="tags">Topics: <a href="/topics/china">China</a> <a href="/topics/world">World</a></div>
    </article>
    <aside class="related-articles">
      <h3>Related Articles</h3>
      <ul>{''.join('<li><a href="%s.html">%s</a></li>' % (b['id'], E(b['title'])) for b in related)}</ul>
    </aside>
    <section class="comments" id="comments"><h3>Comments</h3><p>Join the conversation: sign in to comment.</p></section>
  </main>
  <footer class="site-footer">
    <p>Copyright © 2025 South China Morning Post Publishers Ltd. All rights reserved.</p>
    <ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact us</a></li><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms &amp; conditions</a></li></ul>
  </footer>
  <script src="/static/app.js"></script>
  <script>document.querySelectorAll('.share-bar a').forEach(function (a) {{ a.onclick = function () {{ return false; }}; }});</script>
</body>
</html>
'''

os.makedirs(os.path.join(here, 'articles'), exist_ok=True)
items = []
expected = []
for i, a in enumerate(articles):
    with open(os.path.join(here, 'articles', a['id'] + '.html'), 'w', encoding='utf-8') as f:
        f.write(page(a, i))
    first_p = next(t for k, t in a['blocks'] if k == 'p')
    pubdate = 'Sun, 13 Jul 2025 %02d:%02d:00 +0000' % (2 + i, (i * 7) % 60)
    items.append(f'''    <item>
      <title>{E(a['title'])}</title>
      <link>articles/{a['id']}.html</link>
      <guid isPermaLink="false">scmp-{a['id']}</guid>
      <pubDate>{pubdate}</pubDate>
      <description>{E(first_p[:200])}</description>
    </item>''')
    expected.append(dict(id=a['id'], title=a['title'], canonical_url=a['canonical'],
                         headings=[t for k, t in a['blocks'] if k == 'h2'],
                         paragraphs=len([1 for k, _ in a['blocks'] if k == 'p']),
                         first_paragraph=first_p, last_paragraph=a['blocks'][-1][1]))

with open(os.path.join(here, 'feed.xml'), 'w', encoding='utf-8') as f:
    f.write('''<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>South China Morning Post - China (newsmill sample)</title>
    <link>https://www.scmp.com/news/china</link>
    <description>Sample feed bundled with newsmill: 20 articles from 13 July 2025.</description>
    <language>en</language>
    <ttl>15</ttl>
%s
  </channel>
</rss>
''' % '\n'.join(items))
with open(os.path.join(here, 'expected.json'), 'w', encoding='utf-8') as f:
    json.dump(expected, f, ensure_ascii=False, indent=1)
print('wrote %d articles' % len(articles))
