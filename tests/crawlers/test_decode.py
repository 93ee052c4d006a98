from yuqing.crawlers.extraction import charset_from_content_type, decode_html, meta_charset
from yuqing.crawlers.extraction.chinese import looks_traditional, to_simplified

TEXT = "关于进一步做好城乡居民医疗保险参保工作的通知，请各乡镇认真落实。"
TRAD = "臨海市人民政府辦公室關於進一步做好城鄉居民醫療保險參保工作的通知，請各鄉鎮認真落實。"


def test_meta_gb2312_is_read_as_gb18030():
    # 镕 is outside GB2312 but inside GBK: a page declaring gb2312 must still decode
    page = (
        f'<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>{TEXT}朱镕基</p>'
    )
    text, enc = decode_html(page.encode("gbk"))
    assert enc == "gb18030"
    assert "朱镕基" in text and TEXT in text


def test_header_charset_wins_over_meta():
    page = f'<meta charset="gbk"><p>{TEXT}</p>'.encode()
    text, enc = decode_html(page, header_charset="utf-8")
    assert enc == "utf-8" and TEXT in text


def test_override_wins_and_never_raises():
    page = f"<p>{TEXT}</p>".encode("gbk")
    text, enc = decode_html(page, header_charset="utf-8", override="gbk")
    assert enc == "gb18030" and TEXT in text
    text, enc = decode_html(b"\xff\xfe\xfa garbage \x81", override="utf-8")
    assert enc == "utf-8" and "garbage" in text


def test_wrong_header_falls_through_to_meta():
    page = f'<meta charset="gbk"><p>{TEXT}</p>'.encode("gbk")
    text, enc = decode_html(page, header_charset="utf-8")
    assert enc == "gb18030" and TEXT in text


def test_undeclared_big5_and_gbk_are_detected():
    big5 = f"<html><body><p>{TRAD}</p></body></html>".encode("big5")
    text, enc = decode_html(big5)
    assert enc.startswith("big5") and TRAD in text
    gbk = f"<html><body><p>{TEXT}</p></body></html>".encode("gbk")
    text, enc = decode_html(gbk)
    assert enc == "gb18030" and TEXT in text


def test_undeclared_utf8_and_empty():
    assert decode_html(TEXT.encode()) == (TEXT, "utf-8")
    assert decode_html(b"") == ("", "utf-8")


def test_meta_charset_and_content_type_parsing():
    assert meta_charset(b'<meta charset="big5">') == "big5"
    assert meta_charset(b'<?xml version="1.0" encoding="GB2312"?><rss/>') == "GB2312"
    assert meta_charset(b" " * 5000 + b'<meta charset="gbk">') is None  # only the first 4 KB
    assert charset_from_content_type("text/html; charset=GBK") == "GBK"
    assert charset_from_content_type("text/html") is None


def test_traditional_detection_and_conversion():
    assert looks_traditional(TRAD)
    assert not looks_traditional(TEXT)
    assert to_simplified("臨海市人民政府辦公室") == "临海市人民政府办公室"
    assert to_simplified(TEXT) == TEXT


def test_a_western_header_label_does_not_turn_chinese_into_mojibake():
    """Java servers label every page ISO-8859-1 by default; cp1252 reads GBK bytes without an
    error, so a GBK page was stored as 'Ú¿ªÕ¹…'. The <meta>, else detection, decides."""
    page = f'<meta charset="gb2312"><p>{TEXT}</p>'.encode("gbk")
    assert decode_html(page, header_charset="ISO-8859-1") == (page.decode("gb18030"), "gb18030")
    bare = f"<html><body><p>{TEXT}</p></body></html>".encode("gbk")
    text, enc = decode_html(bare, header_charset="iso-8859-1")
    assert enc == "gb18030" and TEXT in text
    # a page that really is Western keeps its label; so does one the operator configured
    assert decode_html("<p>café crème</p>".encode("latin-1"), "iso-8859-1")[0] == (
        "<p>café crème</p>"
    )
    assert decode_html(bare, override="latin-1")[1] == "cp1252"


def test_a_big5_page_declared_gb2312_is_read_as_big5():
    """GB18030 decodes Big5 bytes without an error: a Traditional page served with the
    original page's gb2312 <meta> (a conversion button) was stored as rare characters."""
    page = f'<meta charset="gb2312"><p>{TRAD}</p>'.encode("big5")
    text, enc = decode_html(page)
    assert enc == "big5hkscs" and TRAD in text
    text, enc = decode_html(f"<p>{TRAD}</p>".encode("big5"), header_charset="gbk")
    assert enc == "big5hkscs" and TRAD in text
    # a GBK page (Simplified or Traditional characters) keeps its declared label
    for words in (TEXT, TRAD):
        page = f'<meta charset="gbk"><p>{words}</p>'.encode("gbk")
        assert decode_html(page) == (page.decode("gb18030"), "gb18030")


def test_a_declared_gbk_page_with_a_few_broken_bytes_is_read_as_gbk():
    """Old portals' pages often carry a few bytes no codec reads (a truncated character, a
    stray byte): the declared GB2312 failed strictly, detection failed too, and the page was
    read as UTF-8 with replacement - every Chinese character lost (a real cl2000.com page:
    12 broken sequences, 17,506 replacement characters). The declared codec reads it, with
    only the broken bytes replaced."""
    body = "".join(f"<p>{TEXT}</p>" for _ in range(20))
    clean = f'<meta charset="gb2312">{body}'.encode("gbk")
    broken = clean.replace("落实".encode("gbk"), b"\xb0 ", 3)  # a lead byte without its pair
    text, enc = decode_html(broken)
    assert enc == "gb18030"
    assert text.count("\ufffd") == 3 and text.count(TEXT) == 17
    text, enc = decode_html(broken[len(b'<meta charset="gb2312">') :], header_charset="gbk")
    assert enc == "gb18030" and text.count(TEXT) == 17
    # a UTF-8 page with a wrong gb2312 label is still read as UTF-8 (it decodes strictly)
    page = f'<meta charset="gb2312">{body}'.encode()
    assert decode_html(page) == (page.decode(), "utf-8")
    # bytes that are mostly broken under the label are not forced through it
    noise = b'<meta charset="gbk">' + bytes(range(0x80, 0x100)) * 40
    assert decode_html(noise)[1] != "gb18030"
