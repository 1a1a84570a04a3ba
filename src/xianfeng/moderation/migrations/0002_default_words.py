"""A starting list of words that hold text for review (gambling, pornography, drugs,
fraud, violence). Counties extend it with `manage.py load_sensitive_words FILE`."""

from django.db import migrations

WORDS = {
    "赌博": ["赌博", "博彩", "网络赌场", "六合彩", "私彩", "百家乐", "赌球"],
    "色情": ["色情", "嫖娼", "卖淫", "裸聊", "约炮"],
    "毒品": ["毒品", "冰毒", "海洛因", "大麻", "摇头丸", "吸毒"],
    "诈骗": ["代开发票", "办假证", "刷单返利", "套现", "洗钱", "高利贷"],
    "暴力": ["枪支", "炸药", "砍死", "杀人"],
    "辱骂": ["傻逼", "他妈的", "操你", "滚蛋"],
}


def add(apps, schema_editor):
    SensitiveWord = apps.get_model("moderation", "SensitiveWord")
    for category, words in WORDS.items():
        for word in words:
            SensitiveWord.objects.get_or_create(word=word, defaults={"category": category})


def remove(apps, schema_editor):
    words = [w for ws in WORDS.values() for w in ws]
    apps.get_model("moderation", "SensitiveWord").objects.filter(word__in=words).delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
