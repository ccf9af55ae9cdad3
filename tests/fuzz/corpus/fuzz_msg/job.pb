Zi
*6f1c2a9e-lease!https://news.example.com/feed.xml *"abc"2Sun, 13 Jul 2025 08:00:00 GMT8─│нц