"""Name, place and domain pools for the synthetic company generator.

The pools live in Python rather than in data files so that they always ship with the
package (``pyproject.toml`` only packages ``datasets/demo/*`` as data).  Every list is
ordered roughly from most to least common: the generator draws from them with Zipf-like
weights, so the head of each list ("Александр", "Иванов", "John", "Smith") is common and
namesakes among common names arise the way they do in real customer bases.

Formats (one entry per line, ``#`` starts a comment):

* given names: ``name|nickname,nickname`` (nicknames optional);
* Russian male given names may carry explicit patronymics: ``name|nicks|male|female``;
* places: ``|``-separated fields as documented beside each table.
"""

from __future__ import annotations

from functools import lru_cache

_RU_MALE = """
Александр|Саша,Шура
Сергей|Серёжа
Дмитрий|Дима,Митя||
Андрей|Андрюша
Алексей|Лёша,Алёша
Максим|Макс
Евгений|Женя
Иван|Ваня
Михаил|Миша|Михайлович|Михайловна
Артём|Тёма
Николай|Коля
Владимир|Вова,Володя
Игорь|
Денис|
Павел|Паша|Павлович|Павловна
Роман|Рома
Олег|
Виктор|Витя
Юрий|Юра
Антон|Тоша
Илья|Илюша|Ильич|Ильинична
Кирилл|Киря
Никита|Никитос|Никитич|Никитична
Константин|Костя
Вадим|Вадик
Василий|Вася
Анатолий|Толя
Владислав|Влад,Владик
Георгий|Жора,Гоша|Георгиевич|Георгиевна
Виталий|Виталик
Григорий|Гриша
Егор|
Валерий|Валера
Станислав|Стас
Вячеслав|Слава
Пётр|Петя|Петрович|Петровна
Леонид|Лёня
Борис|Боря
Фёдор|Федя
Геннадий|Гена
Тимур|
Руслан|
Степан|Стёпа
Ярослав|Ярик,Слава
Даниил|Даня
Матвей|Мотя
Тимофей|Тима
Арсений|Сеня
Семён|Сёма
Лев|Лёва|Львович|Львовна
Глеб|
Валентин|Валя
Аркадий|Аркаша
Всеволод|Сева
Яков|Яша|Яковлевич|Яковлевна
Марк|
Захар|
Филипп|Филя
Эдуард|Эдик
Ростислав|Ростик
Герман|Гера
Вениамин|Веня
Ефим|Фима
Савелий|Савва
Мирон|
Богдан|
Святослав|Свят
Макар|
Артур|
Давид|
"""

_RU_FEMALE = """
Елена|Лена
Ольга|Оля
Наталья|Наташа
Татьяна|Таня
Ирина|Ира
Анна|Аня
Екатерина|Катя
Светлана|Света
Мария|Маша
Юлия|Юля
Анастасия|Настя
Марина|
Людмила|Люда,Мила
Галина|Галя
Надежда|Надя
Дарья|Даша
Ксения|Ксюша
Виктория|Вика
Валентина|Валя
Александра|Саша,Шура
Евгения|Женя
Любовь|Люба
Алина|
Оксана|
Полина|Поля
Елизавета|Лиза
Вера|
Кристина|
Нина|
Валерия|Лера
Лариса|Лара
Алёна|
Софья|Соня
Маргарита|Рита
Яна|
Тамара|Тома
Лидия|Лида
Вероника|Ника
Диана|
Антонина|Тоня
Раиса|Рая
Инна|
Олеся|
Жанна|
Зинаида|Зина
Ангелина|Геля
Ульяна|Уля
Кира|
Милана|
Таисия|Тася
Алла|
Зоя|
Василиса|Василиса
Эльвира|
Майя|
Станислава|Стася
Регина|
Варвара|Варя
"""

_EN_MALE = """
James|Jim,Jimmy
John|Johnny,Jack
Robert|Bob,Rob
Michael|Mike
William|Bill,Will
David|Dave
Richard|Rick,Dick
Joseph|Joe
Thomas|Tom,Tommy
Charles|Charlie,Chuck
Christopher|Chris
Daniel|Dan,Danny
Matthew|Matt
Anthony|Tony
Mark|
Donald|Don
Steven|Steve
Paul|
Andrew|Andy,Drew
Joshua|Josh
Kenneth|Ken,Kenny
Kevin|
Brian|
George|
Timothy|Tim
Ronald|Ron
Edward|Ed,Ted
Jason|
Jeffrey|Jeff
Ryan|
Jacob|Jake
Gary|
Nicholas|Nick
Eric|
Jonathan|Jon
Stephen|Steve
Larry|
Justin|
Scott|
Brandon|
Benjamin|Ben
Samuel|Sam
Gregory|Greg
Alexander|Alex
Frank|
Patrick|Pat
Raymond|Ray
Dennis|
Tyler|
Aaron|
Adam|
Nathan|Nate
Henry|Hank
Douglas|Doug
Zachary|Zach
Peter|Pete
Kyle|
Walter|Walt
Ethan|
Jeremy|
Harold|Harry
Keith|
Christian|
Roger|
Noah|
Gerald|Jerry
Carl|
Terry|
Sean|
Austin|
Arthur|Art
Lawrence|Larry
Jesse|
Dylan|
Jordan|
Bruce|
Albert|Al
Gabriel|Gabe
Logan|
Alan|
Wayne|
Roy|
Ralph|
Randy|
Eugene|Gene
Vincent|Vince
Russell|Russ
Elijah|Eli
Louis|Lou
Philip|Phil
Victor|Vic
Martin|Marty
"""

_EN_FEMALE = """
Mary|Molly
Patricia|Pat,Patty
Jennifer|Jen,Jenny
Linda|
Elizabeth|Liz,Beth
Barbara|Barb
Susan|Sue
Jessica|Jess
Sarah|
Karen|
Lisa|
Nancy|
Betty|
Margaret|Maggie,Peggy
Sandra|Sandy
Ashley|
Kimberly|Kim
Emily|Em
Donna|
Michelle|Shelly
Carol|
Amanda|Mandy
Dorothy|Dot
Melissa|Mel
Deborah|Debbie,Deb
Stephanie|Steph
Rebecca|Becky
Sharon|
Laura|
Cynthia|Cindy
Kathleen|Kathy,Kate
Amy|
Angela|Angie
Shirley|
Anna|
Brenda|
Pamela|Pam
Emma|
Nicole|Nikki
Helen|
Samantha|Sam
Katherine|Kate,Katie
Christine|Chris
Rachel|
Carolyn|
Janet|
Catherine|Cathy
Maria|
Heather|
Diane|
Ruth|
Julie|
Olivia|Liv
Joyce|
Virginia|Ginny
Victoria|Vicky,Tori
Kelly|
Lauren|
Christina|Tina
Joan|
Evelyn|Evie
Judith|Judy
Megan|Meg
Andrea|
Cheryl|
Hannah|
Jacqueline|Jackie
Martha|
Gloria|
Teresa|Terry
Madison|Maddie
Frances|Fran
Janice|
Jean|
Abigail|Abby
Alice|
Sophia|Sophie
Grace|
Denise|
Amber|
Doris|
Marilyn|
Danielle|Dani
Beverly|Bev
Isabella|Bella
Theresa|Tess
Diana|
Natalie|Nat
Brittany|
Charlotte|Charlie
Kayla|
Alexis|Lexi
"""

# Russian surnames in the masculine form; feminine forms are derived by rule.
_RU_SURNAMES = """
Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров
Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев
Орлов Андреев Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев
Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв
Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов
Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров
Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов
Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов
Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов
Родионов Коновалов Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров
Наумов Потапов Журавлёв Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров
Емельянов Никифоров Грачёв Котов Гришин Ефремов Архипов Громов Кириллов Малышев
Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов Анисимов Ерёмин Тихомиров
Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов Прокофьев Харитонов
Князев Цветков Левин Митрофанов Воронцов Самойлов Дьячков Муравьёв Щукин Шубин
Юрьев Жданов Зуев Рыбаков Суворов Гордеев Кабанов Шестаков Субботин Блинов
Рожков Ершов Дорофеев Мишин Хохлов Сазонов Кудрин Зимин Лобанов Носков
Фадеев Брагин Панфилов Бобров Шилов Ситников Лапин Шаров Горшков Веселов
Тимошин Устинов Русаков Суханов Шашков Корнилов Пестов Уваров Зотов Лукин
Голиков Сёмин Бурков Пахомов Агафонов Сысоев Тетерин Ларионов Селезнёв Игнатьев
Рябов Большаков Кулагин Мухин Третьяков Калашников Шмелёв Дроздов Ветров Бородин
Лаптев Котельников Рогов Зверев Крюков Бочаров Шаповалов Фокин Кононов Мамонтов
Пушкин Есенин Гагарин Карамзин Кошкин Мышкин Лапшин Пугачёв Голованов Логинов
Фетисов Сафонов Клюев Тарасенков Горелов Корнеев Медведков Баженов Киреев Муравьев
Рыжов Сомов Щеглов Гурьев Аксёнов Баранцев Вавилов Ганин Демидов Дудин
Евдокимов Жилин Завьялов Игнатов Капустин Лавров Лыков Малинин Мясников Нефёдов
Обухов Пименов Разин Сальников Терентьев Ульянов Фирсов Хромов Цыганов Чистяков
Шевцов Щепкин Юшков Яшин Абрамцев Бессонов Вишняков Глухов Дементьев Ежов
Жарков Зубов Исаков Карасёв Лихачёв Мохов Никулин Орехов Плотников Рогожин
Савин Трошин Уткин Фомичёв Хрусталёв Царёв Черкасов Шапошников Щёголев Якушев
Кравцов Гуляев Костин Мальцев Смирницкий Вишневский Покровский Успенский Троицкий Садовский
Завадский Левицкий Ржевский Чайковский Островский Высоцкий Раевский Каменский Соколовский Ковальский
Шевченко Бондаренко Коваленко Кравченко Ткаченко Лысенко Руденко Марченко Павленко Савченко
Мельниченко Гончаренко Литвиненко Кириленко Ющенко Ковальчук Полищук Мельничук Кравчук Романюк
Седых Черных Белых Долгих Русских Толстой Тверской Крученых Бабич Шевчук
Аникин Блохин Васин Гаврилин Дорохин Ерохин Жирнов Зыков Ивашов Корольков
Ломакин Маркин Неверов Ожогин Пантелеев Рудаков Сухов Тюрин Уланов Фролкин
Харламов Цыплаков Чижов Шишкин Широков Юсупов Абдуллаев Алиев Гасанов Мамедов
Сафин Хабибуллин Галиев Ибрагимов Гарипов Валиев Ахметов Каримов Исмаилов Латыпов
"""

_EN_SURNAMES = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez
Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin
Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson
Walker Young Allen King Wright Scott Torres Nguyen Hill Flores
Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts
Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes
Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper
Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson
Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes
Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez
Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes
Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham
Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson
Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens
Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen
Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter
Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks
Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox
Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens
Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins
Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott
Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray
Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards Contreras Willis
Carpenter Lawrence Sandoval Guerrero George Chapman Rios Estrada Ortega Watkins
Greene Nunez Wheeler Valdez Harper Burke Larson Santiago Maldonado Morrison
Franklin Carlson Austin Dominguez Carr Lawson Jacobs OBrien Lynch Singh
Vega Bishop Montgomery Oliver Jensen Harvey Williamson Gilbert Dean Sims
Espinoza Howell Li Wong Reid Hanson Le McCoy Garrett Burton
Fuller Wang Weber Welch Rojas Lucas Marquez Fields Park Yang
Little Banks Padilla Day Walsh Bowman Schultz Luna Fowler Mejia
Davidson Acosta Brewer May Holland Juarez Newman Pearson Curtis Cortez
Douglas Schneider Joseph Barrett Navarro Figueroa Keller Avila Wade Molina
Stanley Hopkins Campos Barnett Bates Chambers Caldwell Beck Lambert Miranda
Byrd Craig Ayala Lowe Frazier Powers Neal Leonard Gregory Carrillo
Sutton Fleming Rhodes Shelton Schwartz Norris Jennings Watts Duran Walters
Cohen McDaniel Moran Parks Steele Vaughn Becker Holt Deleon Barker
Terry Hale Leon Hail Benson Haynes Horton Miles Lyons Pham
Graves Bush Thornton Wolfe Warner Cabrera McKinney Mann Zimmerman Dawson
"""

# The long tail: surnames built the way many real ones are, stem + suffix (Бобр → Бобров,
# Бобрин, Бобровский, Бобренко, Бобрович, Бобрук; Ash → Ashton, Ashley, Ashford …).  They
# keep accidental namesakes rare in large datasets, so most namesakes are the intended ones.
_RU_STEMS = """
Бобр Ворон Горох Гусак Дуб Жук Кот Лис Мох Орех Сом Сыч Тур Чиж Шмел Щегл Бык Вол Гал Дер
Журавл Зубр Кабан Клест Коз Кроль Лебед Медвед Налим Окун Пав Пет Руд Сокол Сорок Трус Уж
Фил Хорь Цап Шарап Юр Ястреб Бел Бур Вихр Гром Дым Жар Зор Иль Кар Лад Мал Нов Остр Пест
Рад Свет Сед Тих Туман Хмур Черн Шум Яр Бор Вяз Грач Дроз Ел Жил Зим Кам Лес Лоз Мороз Пол
Рог Сад Стар Твер Холм Бран Глад Добр Ждан Злат Крас Любим Мил Мир Прост Слав Хвал Чест Вед
Гор Дол Дон Лог Мост Нев Оз Пут Рек Ручь Степ Топ Уст Хут Берест Берез Калин Клюк Лип Ольх
Рябин Сосн Хвощ Бесп Бойк Весел Гоголь Дерзк Жарк Звон Кудр Лих Мудр Резв Смел Тверд Хитр Шустр
"""

_RU_SUFFIXES = ("ов", "ин", "овский", "енко", "ович", "ук")

_EN_STEMS = """
Ash Black Brad Brook Cal Crom Dal Ed Fair Green Hart Hol Kings Lang Mar North Pem Red Ship
South Stan Thorn Wal West Whit Wood Ald Bar Bell Brom Carl Chat Dun Elm Hamp Hay Kirk Lind
Mid New Oak Pres Rad Rush Sand Shel Stock Sud Tal Wat Wel Win Yar Ames Ark Bing Brent Cap
Clif Cot Crans Dart Dray Ever Farn Gil Gold Hal Hux Lock Mel Nor Pad Pick Ray Rock Sel Sher
Stam Sum Swin Tem Whel Wy Ather Bex Cran Hen
"""

_EN_SUFFIXES = (
    "ton", "ley", "ford", "field", "wood", "well", "worth", "by", "more", "wick", "bury",
    "ridge", "dale", "ham", "son",
)  # fmt: skip

# city|postcode prefix (3 digits)|landline area code|weight
_RU_CITIES = """
Москва|101|495|30
Москва|123|499|8
Санкт-Петербург|190|812|14
Новосибирск|630|383|3
Екатеринбург|620|343|3
Казань|420|843|3
Нижний Новгород|603|831|3
Челябинск|454|351|2
Самара|443|846|2
Омск|644|3812|2
Ростов-на-Дону|344|863|2
Уфа|450|347|2
Красноярск|660|391|2
Воронеж|394|473|2
Пермь|614|342|2
Волгоград|400|8442|2
Краснодар|350|861|2
Саратов|410|8452|1
Тюмень|625|3452|1
Тольятти|445|8482|1
Ижевск|426|3412|1
Барнаул|656|3852|1
Ульяновск|432|8422|1
Иркутск|664|3952|1
Хабаровск|680|4212|1
Ярославль|150|4852|1
Владивосток|690|423|1
Махачкала|367|8722|1
Томск|634|3822|1
Оренбург|460|3532|1
Кемерово|650|3842|1
Рязань|390|4912|1
Астрахань|414|8512|1
Пенза|440|8412|1
Липецк|398|4742|1
Киров|610|8332|1
Тула|300|4872|1
Чебоксары|428|8352|1
Калининград|236|4012|1
Курск|305|4712|1
Сочи|354|862|1
Тверь|170|4822|1
Брянск|241|4832|1
Иваново|153|4932|1
Белгород|308|4722|1
Сургут|628|3462|1
Мытищи|141|495|1
Химки|141|495|1
Подольск|142|4967|1
Королёв|141|495|1
"""

# type|name — the type is the short form used on envelopes (ул., пр-т, пер., б-р, ш.)
_RU_STREETS = """
ул.|Ленина
ул.|Гагарина
ул.|Мира
ул.|Советская
ул.|Садовая
ул.|Лесная
ул.|Школьная
ул.|Молодёжная
ул.|Центральная
ул.|Новая
ул.|Набережная
ул.|Заречная
ул.|Зелёная
ул.|Пушкина
ул.|Кирова
ул.|Московская
ул.|Октябрьская
ул.|Комсомольская
ул.|Первомайская
ул.|Полевая
ул.|Строителей
ул.|Солнечная
ул.|Победы
ул.|Чехова
ул.|Лермонтова
ул.|Горького
ул.|Маяковского
ул.|Суворова
ул.|Калинина
ул.|Чкалова
ул.|Спортивная
ул.|Северная
ул.|Южная
ул.|Мичурина
ул.|Дзержинского
ул.|Свердлова
ул.|Фрунзе
ул.|Куйбышева
ул.|Островского
ул.|Некрасова
ул.|Тургенева
ул.|Рабочая
ул.|Луговая
ул.|Весенняя
ул.|Восточная
ул.|Юбилейная
ул.|Вокзальная
ул.|Почтовая
ул.|Берёзовая
ул.|Профсоюзная
ул.|Тверская
ул.|Пролетарская
ул.|Матросова
ул.|Гоголя
ул.|Толстого
ул.|Королёва
ул.|Жукова
ул.|Титова
ул.|Ломоносова
ул.|Циолковского
ул.|Крупской
ул.|Маркса
ул.|Энгельса
ул.|Щорса
ул.|Шевченко
ул.|Белинского
ул.|Ватутина
ул.|Заводская
ул.|Железнодорожная
ул.|Пионерская
пр-т|Мира
пр-т|Ленина
пр-т|Победы
пр-т|Ленинградский
пр-т|Вернадского
пр-т|Космонавтов
пр-т|Невский
пер.|Школьный
пер.|Садовый
пер.|Почтовый
пер.|Лесной
б-р|Гагарина
б-р|Цветной
ш.|Энтузиастов
ш.|Варшавское
"""

# city|state|zip prefix (3 digits)|area code|weight
_US_CITIES = """
New York|NY|100|212|10
Brooklyn|NY|112|718|5
Los Angeles|CA|900|213|8
Chicago|IL|606|312|6
Houston|TX|770|713|5
Phoenix|AZ|850|602|3
Philadelphia|PA|191|215|3
San Antonio|TX|782|210|3
San Diego|CA|921|619|3
Dallas|TX|752|214|3
San Jose|CA|951|408|2
Austin|TX|787|512|2
Jacksonville|FL|322|904|2
Columbus|OH|432|614|2
Charlotte|NC|282|704|2
Indianapolis|IN|462|317|2
Seattle|WA|981|206|2
Denver|CO|802|303|2
Boston|MA|021|617|2
Nashville|TN|372|615|2
Portland|OR|972|503|2
Las Vegas|NV|891|702|2
Detroit|MI|482|313|2
Memphis|TN|381|901|1
Louisville|KY|402|502|1
Baltimore|MD|212|410|1
Milwaukee|WI|532|414|1
Albuquerque|NM|871|505|1
Tucson|AZ|857|520|1
Fresno|CA|937|559|1
Sacramento|CA|958|916|1
Atlanta|GA|303|404|2
Miami|FL|331|305|2
Minneapolis|MN|554|612|1
Cleveland|OH|441|216|1
Springfield|IL|627|217|1
Pittsburgh|PA|152|412|1
Orlando|FL|328|407|1
Raleigh|NC|276|919|1
Tampa|FL|336|813|1
Omaha|NE|681|402|1
Salt Lake City|UT|841|801|1
Richmond|VA|232|804|1
Buffalo|NY|142|716|1
Madison|WI|537|608|1
"""

_US_STREETS = """
Main Oak Pine Maple Cedar Elm Washington Lake Hill Park Walnut Sunset Lincoln Jackson
Church River Highland Spring Chestnut Franklin Jefferson Madison Ridge Center Adams
Meadow Forest Mill Willow Dogwood Cherry Hickory Birch Lakeview Wilson Broadway Market
Union Valley Front Water Sycamore Poplar Spruce Laurel Magnolia Railroad Grove
Jefferson Lafayette Prospect Liberty Cambridge Hamilton Monroe Greenwood Fairview
Riverside Woodland College Orchard Heritage Kingston Wellington Harbor Bay Summit
"""

# full|abbreviation
_US_SUFFIXES = """
Street|St
Avenue|Ave
Road|Rd
Drive|Dr
Lane|Ln
Boulevard|Blvd
Court|Ct
Place|Pl
Way|Way
"""

RU_EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("mail.ru", 30),
    ("yandex.ru", 24),
    ("gmail.com", 18),
    ("bk.ru", 5),
    ("list.ru", 5),
    ("inbox.ru", 4),
    ("rambler.ru", 6),
    ("ya.ru", 4),
    ("outlook.com", 2),
    ("icloud.com", 2),
)

EN_EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("gmail.com", 40),
    ("yahoo.com", 15),
    ("hotmail.com", 10),
    ("outlook.com", 10),
    ("aol.com", 5),
    ("icloud.com", 8),
    ("comcast.net", 5),
    ("protonmail.com", 2),
    ("att.net", 5),
)


def _lines(block: str) -> list[str]:
    out = []
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def _words(block: str) -> list[str]:
    """Whitespace-separated words, duplicates dropped, first occurrence kept."""
    return list(dict.fromkeys(block.split()))


def _male_patronymics(name: str) -> tuple[str, str]:
    """Regular Russian patronymic formation; irregular names carry theirs in the pool."""
    if name.endswith(("ий",)) and name not in ("Дмитрий", "Георгий"):
        stem = name[:-2]
        return stem + "ьевич", stem + "ьевна"
    if name.endswith("ий"):
        stem = name[:-1]
        return stem + "евич", stem + "евна"
    if name.endswith(("ей", "ай")):
        stem = name[:-1]
        return stem + "евич", stem + "евна"
    if name.endswith("ь"):
        stem = name[:-1]
        return stem + "евич", stem + "евна"
    return name + "ович", name + "овна"


def feminine_surname(name: str) -> str:
    """The feminine form of a masculine Russian surname (Иванов → Иванова)."""
    if name.endswith(("ский", "цкий")):
        return name[:-2] + "ая"
    if name.endswith(("ской", "цкой")):
        return name[:-2] + "ая"
    if name.endswith("ой"):
        return name[:-2] + "ая"
    if name.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return name + "а"
    return name  # -енко, -ук, -их, -ич … do not decline


GivenEntry = tuple[str, tuple[str, ...]]


def _given(block: str) -> list[GivenEntry]:
    out: list[GivenEntry] = []
    seen: set[str] = set()
    for line in _lines(block):
        parts = line.split("|")
        name = parts[0]
        if name in seen:
            continue
        seen.add(name)
        nicks = tuple(n for n in (parts[1].split(",") if len(parts) > 1 else []) if n and n != name)
        out.append((name, nicks))
    return out


@lru_cache(maxsize=1)
def ru_male() -> tuple[list[GivenEntry], list[tuple[str, str]]]:
    """Russian male given names with nicknames, and (male, female) patronymics."""
    entries = _given(_RU_MALE)
    pats: list[tuple[str, str]] = []
    explicit = {}
    for line in _lines(_RU_MALE):
        parts = line.split("|")
        if len(parts) == 4 and parts[2]:
            explicit[parts[0]] = (parts[2], parts[3])
    for name, _ in entries:
        pats.append(explicit.get(name) or _male_patronymics(name))
    return entries, pats


@lru_cache(maxsize=1)
def ru_female() -> list[GivenEntry]:
    return _given(_RU_FEMALE)


@lru_cache(maxsize=1)
def en_male() -> list[GivenEntry]:
    return _given(_EN_MALE)


@lru_cache(maxsize=1)
def en_female() -> list[GivenEntry]:
    return _given(_EN_FEMALE)


def _ru_join(stem: str, suffix: str) -> str:
    # Spelling rules: no "ыо"/"йо" clashes; soft stems take -ев rather than -ов.
    if stem.endswith(("ь", "й")) and suffix.startswith("о"):
        return stem[:-1] + "е" + suffix[1:]
    if stem.endswith(("ж", "ш", "щ", "ч", "ц")) and suffix.startswith("о"):
        return stem + "е" + suffix[1:]
    return stem + suffix


@lru_cache(maxsize=1)
def ru_surnames() -> tuple[list[str], int]:
    """Russian surnames (masculine) and how many of them are the common head."""
    head = _words(_RU_SURNAMES)
    tail = [_ru_join(stem, suf) for suf in _RU_SUFFIXES for stem in _words(_RU_STEMS)]
    names = list(dict.fromkeys(head + tail))
    return names, len(head)


@lru_cache(maxsize=1)
def en_surnames() -> tuple[list[str], int]:
    """English surnames and how many of them are the common head."""
    head = _words(_EN_SURNAMES)
    tail = []
    for suf in _EN_SUFFIXES:
        for stem in _words(_EN_STEMS):
            joined = stem + suf[1:] if stem[-1] == suf[0] else stem + suf
            tail.append(joined)
    names = list(dict.fromkeys(head + tail))
    return names, len(head)


@lru_cache(maxsize=1)
def ru_cities() -> list[tuple[str, int, str, float]]:
    out = []
    for line in _lines(_RU_CITIES):
        city, prefix, code, weight = line.split("|")
        out.append((city, int(prefix), code, float(weight)))
    return out


@lru_cache(maxsize=1)
def ru_streets() -> list[tuple[str, str]]:
    out = []
    for line in _lines(_RU_STREETS):
        kind, name = line.split("|")
        out.append((kind, name))
    return list(dict.fromkeys(out))


@lru_cache(maxsize=1)
def us_cities() -> list[tuple[str, str, int, str, float]]:
    out = []
    for line in _lines(_US_CITIES):
        city, state, prefix, code, weight = line.split("|")
        out.append((city, state, int(prefix), code, float(weight)))
    return out


@lru_cache(maxsize=1)
def us_streets() -> list[str]:
    return _words(_US_STREETS)


@lru_cache(maxsize=1)
def us_suffixes() -> list[tuple[str, str]]:
    out = []
    for line in _lines(_US_SUFFIXES):
        full, short = line.split("|")
        out.append((full, short))
    return out
