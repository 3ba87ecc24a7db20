//! Every provision the rules cite: as a refusal's article, or as the basis an accepted act
//! records. One constant each, with the provision's text quoted from the regulation
//! (福祉総合情報システム運用管理要綱, 24川健企第297号, as amended 令和4年4月1日), so that whoever
//! shows a refusal or a basis (the admin workspace) can quote what it rests on.
//!
//! Names: `ART_6_1_1` is 第6条第1項第1号 (article, paragraph, item); `ART_11_ITEM_3` is
//! 第11条第3号, an item of an article with one paragraph. A basis citing several provisions at
//! once is a [`Article::joint`] constant whose `parts` are the provisions; its `cite` is the
//! spelling the ledger has always recorded (`第8条第1項・第2項`), which is why it is written out
//! rather than joined. A few citations are not provisions of the regulation (the personnel
//! order, the ledger's own recording principle): their `text` says what they are, and
//! `from_regulation` is false.

/// A provision of the regulation (or a citation of several) as the ledger cites it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Article {
    /// The citation recorded and shown, e.g. `第6条第1項第1号`.
    pub cite: &'static str,
    /// The provision's text, quoted; for a joint citation, empty (see `parts`).
    pub text: &'static str,
    /// For a joint citation, the provisions it cites; empty otherwise.
    pub parts: &'static [Article],
    /// False for what the ledger cites that is not in the regulation (辞令, 記録の原則).
    pub from_regulation: bool,
}

impl Article {
    const fn quoted(cite: &'static str, text: &'static str) -> Article {
        Article {
            cite,
            text,
            parts: &[],
            from_regulation: true,
        }
    }

    const fn outside(cite: &'static str, text: &'static str) -> Article {
        Article {
            cite,
            text,
            parts: &[],
            from_regulation: false,
        }
    }

    /// Several provisions cited together, spelled `cite`.
    pub const fn joint(cite: &'static str, parts: &'static [Article]) -> Article {
        Article {
            cite,
            text: "",
            parts,
            from_regulation: true,
        }
    }

    /// The single provisions this citation quotes (itself, or its parts).
    pub fn provisions(&self) -> Vec<&Article> {
        if self.parts.is_empty() {
            vec![self]
        } else {
            self.parts.iter().collect()
        }
    }
}

// --- 第2条 (用語の定義) ---
pub const ART_2_ITEM_2: Article = Article::quoted(
    "第2条第2号",
    "利用課 利用者が所属する課（課を置かない部、課を置かない部に相当する室並びに課に相当する室及びセンターにあっては、当該部、室又はセンター）をいう。",
);
pub const ART_2_ITEM_3: Article = Article::quoted(
    "第2条第3号",
    "利用者 本システム利用の権限を付与された者をいう。",
);

// --- 第3条 (福祉総合情報システム総括者) ---
pub const ART_3_1: Article = Article::quoted(
    "第3条第1項",
    "本システムの運用管理を行うため、福祉総合情報システム総括者（以下「システム総括者」という。）を置き、健康福祉局及び共通部分に関する業務は健康福祉局総務部長を、こども未来局に関する業務はこども未来局総務部長をもって充てる。",
);
pub const ART_3_2_4: Article = Article::quoted(
    "第3条第2項第4号",
    "（システム総括者は、次の業務を指揮監督する。）本システムの障害発生時における対応に関すること。",
);
pub const ART_3_3: Article = Article::quoted(
    "第3条第3項",
    "システム総括者は前項の業務を実施するに当たり、福祉総合情報システム情報管理責任者（以下「情報管理責任者」という。）及び福祉総合情報システム利用責任者（以下「利用責任者」という。）を指揮監督する。",
);

// --- 第4条 (福祉総合情報システム管理者) ---
pub const ART_4_1: Article = Article::quoted(
    "第4条第1項",
    "福祉総合情報システム管理者（以下「システム管理者」という。）は、システム総括者を代理するほか、前条第2項各号に定める業務を行う。",
);
pub const ART_4_2: Article = Article::quoted(
    "第4条第2項",
    "システム管理者は、健康福祉局総務部保健福祉システム課長をもって充てる。",
);
pub const ART_4_3: Article = Article::quoted(
    "第4条第3項",
    "システム管理者は、その業務の実施を補佐するため、健康福祉局総務部保健福祉システム課及びこども未来局総務部企画課職員から福祉総合情報システム運用担当者（以下「システム運用担当者」という。）を選任することができる。",
);

// --- 第5条 (情報管理責任者) ---
pub const ART_5_1: Article = Article::quoted(
    "第5条第1項",
    "情報資産の管理に関する責任者として、別表に定める情報管理責任者を設置する。",
);
pub const ART_5_2: Article = Article::quoted(
    "第5条第2項",
    "情報管理責任者は、情報資産に関する情報セキュリティの維持及び利用者の情報利用の可否判断を行う。",
);
pub const ART_5_3: Article = Article::quoted(
    "第5条第3項",
    "情報管理責任者は、前項の業務を実施するに当たっては、第10条第1項の規定によるほか、システム総括者が定める事項に従うこととする。",
);
pub const ART_5_4: Article = Article::quoted(
    "第5条第4項",
    "情報管理責任者は、その業務の実施を補佐するため、自らが所属する利用課のうち、福祉総合情報システム情報管理担当者（以下「情報管理担当者」という。）を選任することができる。",
);

// --- 第6条 (システム改修) ---
pub const ART_6: Article = Article::quoted(
    "第6条",
    "本システムの改修は、次の各号に定めるところにより決定を行う。",
);
pub const ART_6_1: Article = Article::quoted(
    "第6条第1項",
    "本システムの改修は、次の各号に定めるところにより決定を行う。",
);
pub const ART_6_1_1: Article = Article::quoted(
    "第6条第1項第1号",
    "情報管理責任者は、システム総括者の同意を得て、自らが管理する情報資産を取り扱う本システムの改修内容の決定を行う。",
);
pub const ART_6_1_2: Article = Article::quoted(
    "第6条第1項第2号",
    "本システムの共通部分に関するシステム改修内容の決定は、関係する情報管理責任者との調整を行ったうえで、システム総括者が行う。",
);
pub const ART_6_1_3: Article = Article::quoted(
    "第6条第1項第3号",
    "システム総括者は、前各号に基づき決定した内容を総合的に勘案し、本システムの改修の決定を行う。",
);
pub const ART_6_2: Article = Article::quoted(
    "第6条第2項",
    "情報管理責任者は、前項第1号の決定を行うに当たっては、別表に規定する自らが取り扱う情報資産を除く情報資産を取り扱う本システムに改修を行う必要が生じた場合は、当該情報資産を取り扱う情報管理責任者にあらかじめ承認を得るものとする。",
);
pub const ART_6_3: Article = Article::quoted(
    "第6条第3項",
    "システム総括者及び情報管理責任者は、第1項第3号に基づき本システムの改修を行う場合は、情報システムの導入等に係る事務手続要綱（平成19年3月30日18川総シ企第1351号。以下「システム導入等事務手続要綱」という。）及びシステム総括者が別途定める事項に基づき、行わなければならない。",
);

// --- 第7条 (システムの廃止) ---
pub const ART_7_1: Article = Article::quoted(
    "第7条第1項",
    "別表に規定する情報資産を本システムで利用する必要がなくなったときは、本システムの廃止に向け、次の各号に定めるところにより決定等を行う。",
);
pub const ART_7_1_1: Article = Article::quoted(
    "第7条第1項第1号",
    "情報管理責任者は、システム総括者の同意を得て、自らが管理する情報資産を取り扱う本システムの利用停止に関する決定及びそれに向けた必要な措置を講じなければならない。この場合において、情報管理責任者は、事前にシステム総括者に通知しなければならない。",
);
pub const ART_7_1_2: Article = Article::quoted(
    "第7条第1項第2号",
    "システム総括者は、前号に基づく通知の内容を総合的に勘案し、本システムの利用停止に関する必要な措置を講ずるものとする。",
);
pub const ART_7_2: Article = Article::quoted(
    "第7条第2項",
    "情報管理責任者は、前項第1号の決定等を行うに当たっては、別表に規定する自らが取り扱う情報資産を除く情報資産を取り扱う本システムに影響が生じる場合は、当該情報資産を取り扱う情報管理責任者にあらかじめ承認を得るものとする。",
);

// --- 第8条 (利用責任者) ---
pub const ART_8_1: Article = Article::quoted(
    "第8条第1項",
    "本システムの利用課には、本システムの利用に関する責任者として利用責任者を置く。",
);
pub const ART_8_2: Article = Article::quoted(
    "第8条第2項",
    "利用責任者は、原則として利用課の長をもって充てる。",
);
pub const ART_8_3: Article = Article::quoted(
    "第8条第3項",
    "利用責任者は、自らが所属する利用課のうち、本システムの利用者を指揮監督する。",
);

// --- 第9条 (障害発生時の体制について) ---
pub const ART_9_1: Article = Article::quoted(
    "第9条第1項",
    "情報管理責任者は、システム総括者が第3条第2項第4号に関する業務を実施するにあたり、即時に必要な情報が収集できるよう緊急連絡体制を整備しなければならない。",
);
pub const ART_9_2: Article = Article::quoted(
    "第9条第2項",
    "前項の規定による緊急連絡体制は、必要な情報の提供及び判断が行える職員を網羅するものでなければならない。",
);
pub const ART_9: Article = Article::quoted(
    "第9条",
    "情報管理責任者は、システム総括者が第3条第2項第4号に関する業務を実施するにあたり、即時に必要な情報が収集できるよう緊急連絡体制を整備しなければならない。前項の規定による緊急連絡体制は、必要な情報の提供及び判断が行える職員を網羅するものでなければならない。",
);

// --- 第10条 (セキュリティ管理) ---
pub const ART_10_1: Article = Article::quoted(
    "第10条第1項",
    "情報管理責任者及び利用責任者は情報資産の取り扱いに関し、川崎市情報セキュリティ基本方針に関する規程（平成19年川崎市訓令第1号）、川崎市情報セキュリティ基準及び情報セキュリティ対策マニュアルに基づき適正に管理しなければならない。",
);
pub const ART_10_2: Article = Article::quoted(
    "第10条第2項",
    "システム総括者は、システムの利用に当たって情報セキュリティ上問題があると判断したときは、情報管理責任者及び利用責任者に対しその改善を求めることができる。",
);

// --- 第11条 (福祉総合情報システム運用保守の実施支援) ---
pub const ART_11: Article = Article::quoted(
    "第11条",
    "総務企画局情報管理部システム管理課長は、本システムに関する次の業務を支援する。",
);
pub const ART_11_ITEM_1: Article = Article::quoted(
    "第11条第1号",
    "本システムのサーバの監視及びバックアップ運用に関すること。",
);
pub const ART_11_ITEM_2: Article =
    Article::quoted("第11条第2号", "本システムの保守実施に関すること。");
pub const ART_11_ITEM_3: Article = Article::quoted(
    "第11条第3号",
    "本システムの障害対応調整及び実施に関すること。",
);
pub const ART_11_ITEM_4: Article = Article::quoted(
    "第11条第4号",
    "本システムのバッチ処理の実行管理（オペレーション）に関すること。",
);

// --- 第12条 (運用管理会議) ---
pub const ART_12: Article = Article::quoted(
    "第12条",
    "システム総括者は運用管理上調整及び報告案件等が生じたときは、必要に応じて情報管理責任者を招集し福祉総合情報システム運用管理会議を開催する。",
);
pub const ART_12_1: Article = Article::quoted(
    "第12条第1項",
    "システム総括者は運用管理上調整及び報告案件等が生じたときは、必要に応じて情報管理責任者を招集し福祉総合情報システム運用管理会議を開催する。",
);
pub const ART_12_2: Article = Article::quoted(
    "第12条第2項",
    "緊急を要する場合等は、持回りによって会議開催に代えることができる。",
);
pub const ART_12_3: Article = Article::quoted(
    "第12条第3項",
    "福祉総合情報システム運用管理会議に、これを補佐するため福祉総合情報システム運用管理担当者会議（以下、「運用管理担当者会議」という。）を置く。",
);
pub const ART_12_4: Article = Article::quoted(
    "第12条第4項",
    "前項の運用管理担当者会議は、情報管理担当者、システム運用担当者その他システム管理者が必要と認める者によって構成し、必要に応じてシステム管理者が招集する。",
);

// --- 第13条 (その他必要な事項) ---
pub const ART_13: Article = Article::quoted(
    "第13条",
    "この要綱に定めるもののほか、本システムの運用管理について必要な事項はシステム総括者が別に定める。",
);

// --- 附則, 別表 ---
pub const SUPPLEMENTARY: Article = Article::quoted(
    "附則",
    "この要綱は、平成25年1月1日から施行する。（改正附則: 平成26年4月1日、平成27年1月1日、平成27年4月1日、平成28年4月1日、平成30年4月1日、平成31年4月1日、令和2年4月1日、令和3年4月1日、令和4年4月1日から施行する。）",
);
pub const ANNEX: Article = Article::quoted(
    "別表",
    "別表（事業、情報資産、情報管理責任者）: 本システムで取り扱う情報資産と、その情報管理責任者を定める表。",
);

// --- Not provisions of the regulation ---
/// The city's personnel order: units, posts, persons and appointments are the city's decisions,
/// which the ledger records.
pub const PERSONNEL_ORDER: Article = Article::outside(
    "辞令",
    "辞令（人事異動の発令）: 組織、職、職員及び任免は市の人事上の決定であり、台帳はそれを記録する。要綱の条項ではない。",
);
/// The ledger's own rules: every decision has an actor, a basis and a time, within the ledger's
/// span.
pub const RECORDING: Article = Article::outside(
    "記録の原則",
    "台帳の記録の原則: すべての決定は、台帳に登録された行為者、根拠及び効力発生日時をもって記録する。要綱の条項ではない。",
);
/// A correction voids an event and is itself an event; nothing is erased.
pub const RECORDING_CORRECTION: Article = Article::outside(
    "記録の原則（訂正）",
    "訂正: 誤った記録は消去せず、訂正の記録によって無効とする。訂正はその記録者、システム管理者又はシステム総括者が行う。要綱の条項ではない。",
);

// --- Joint citations (spelled as the ledger records them) ---
/// Personnel acts touching the posts that carry roles.
pub const ORGANISATION: Article = Article::joint(
    "第3条第1項・第4条第2項・第5条第1項",
    &[ART_3_1, ART_4_2, ART_5_1],
);
/// The genesis's posts, the operations support's included.
pub const ORGANISATION_WITH_11: Article = Article::joint(
    "第3条第1項・第4条第2項・第5条第1項・第11条",
    &[ART_3_1, ART_4_2, ART_5_1, ART_11],
);
pub const ART_2_ITEM_3_AND_8_3: Article =
    Article::joint("第2条第3号・第8条第3項", &[ART_2_ITEM_3, ART_8_3]);
pub const ART_3_2_4_AND_9: Article = Article::joint("第3条第2項第4号・第9条", &[ART_3_2_4, ART_9]);
pub const ART_3_3_AND_5_3: Article = Article::joint("第3条第3項・第5条第3項", &[ART_3_3, ART_5_3]);
pub const ART_4_1_AND_11_ITEM_1: Article =
    Article::joint("第4条第1項・第11条第1号", &[ART_4_1, ART_11_ITEM_1]);
pub const ART_4_1_AND_11_ITEM_2: Article =
    Article::joint("第4条第1項・第11条第2号", &[ART_4_1, ART_11_ITEM_2]);
pub const ART_4_1_AND_11_ITEM_4: Article =
    Article::joint("第4条第1項・第11条第4号", &[ART_4_1, ART_11_ITEM_4]);
pub const ART_4_3_AND_11_ITEM_1: Article =
    Article::joint("第4条第3項・第11条第1号", &[ART_4_3, ART_11_ITEM_1]);
pub const ART_4_3_AND_11_ITEM_2: Article =
    Article::joint("第4条第3項・第11条第2号", &[ART_4_3, ART_11_ITEM_2]);
pub const ART_4_3_AND_11_ITEM_4: Article =
    Article::joint("第4条第3項・第11条第4号", &[ART_4_3, ART_11_ITEM_4]);
pub const ART_5_1_AND_ANNEX: Article = Article::joint("第5条第1項・別表", &[ART_5_1, ANNEX]);
pub const ART_5_2_AND_10_1: Article =
    Article::joint("第5条第2項・第10条第1項", &[ART_5_2, ART_10_1]);
pub const ART_6_1_3_AND_6_3: Article =
    Article::joint("第6条第1項第3号・第6条第3項", &[ART_6_1_3, ART_6_3]);
pub const ART_8_1_AND_8_2: Article = Article::joint("第8条第1項・第2項", &[ART_8_1, ART_8_2]);
pub const ART_8_3_AND_5_2: Article = Article::joint("第8条第3項・第5条第2項", &[ART_8_3, ART_5_2]);
pub const ART_9_1_AND_9_2: Article = Article::joint("第9条第1項・第9条第2項", &[ART_9_1, ART_9_2]);
pub const ART_12_3_AND_12_4: Article = Article::joint("第12条第3項・第4項", &[ART_12_3, ART_12_4]);

/// Every constant above, for look-ups by citation.
pub const ALL: &[Article] = &[
    ART_2_ITEM_2,
    ART_2_ITEM_3,
    ART_3_1,
    ART_3_2_4,
    ART_3_3,
    ART_4_1,
    ART_4_2,
    ART_4_3,
    ART_5_1,
    ART_5_2,
    ART_5_3,
    ART_5_4,
    ART_6,
    ART_6_1,
    ART_6_1_1,
    ART_6_1_2,
    ART_6_1_3,
    ART_6_2,
    ART_6_3,
    ART_7_1,
    ART_7_1_1,
    ART_7_1_2,
    ART_7_2,
    ART_8_1,
    ART_8_2,
    ART_8_3,
    ART_9,
    ART_9_1,
    ART_9_2,
    ART_10_1,
    ART_10_2,
    ART_11,
    ART_11_ITEM_1,
    ART_11_ITEM_2,
    ART_11_ITEM_3,
    ART_11_ITEM_4,
    ART_12,
    ART_12_1,
    ART_12_2,
    ART_12_3,
    ART_12_4,
    ART_13,
    SUPPLEMENTARY,
    ANNEX,
    PERSONNEL_ORDER,
    RECORDING,
    RECORDING_CORRECTION,
    ORGANISATION,
    ORGANISATION_WITH_11,
    ART_2_ITEM_3_AND_8_3,
    ART_3_2_4_AND_9,
    ART_3_3_AND_5_3,
    ART_4_1_AND_11_ITEM_1,
    ART_4_1_AND_11_ITEM_2,
    ART_4_1_AND_11_ITEM_4,
    ART_4_3_AND_11_ITEM_1,
    ART_4_3_AND_11_ITEM_2,
    ART_4_3_AND_11_ITEM_4,
    ART_5_1_AND_ANNEX,
    ART_5_2_AND_10_1,
    ART_6_1_3_AND_6_3,
    ART_8_1_AND_8_2,
    ART_8_3_AND_5_2,
    ART_9_1_AND_9_2,
    ART_12_3_AND_12_4,
];

/// The constant cited as `cite` (a refusal's `article`, an event's `basis`). A citation that
/// projections or older events spell as several provisions joined by `・` and that has no
/// joint constant is looked up part by part.
pub fn find(cite: &str) -> Option<Vec<&'static Article>> {
    if let Some(a) = ALL.iter().find(|a| a.cite == cite) {
        return Some(a.provisions());
    }
    cite.split('・')
        .map(|part| ALL.iter().find(|a| a.cite == part && a.parts.is_empty()))
        .collect()
}

/// The item of 第11条 that an operation of that kind is done under.
pub fn operation_item(kind: govledger_schema::events::OperationKind) -> Article {
    use govledger_schema::events::OperationKind;
    match kind {
        OperationKind::Monitoring | OperationKind::Backup => ART_11_ITEM_1,
        OperationKind::Maintenance => ART_11_ITEM_2,
        OperationKind::Batch => ART_11_ITEM_4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_article_is_listed_once_and_quotes_its_text() {
        let source = include_str!("articles.rs");
        let declared = source
            .lines()
            .filter(|l| l.starts_with("pub const ") && l.contains(": Article"))
            .count();
        assert_eq!(declared, ALL.len(), "a constant is missing from ALL");
        for (i, a) in ALL.iter().enumerate() {
            assert!(
                ALL[..i].iter().all(|b| b.cite != a.cite),
                "{} twice",
                a.cite
            );
            for p in a.provisions() {
                assert!(!p.text.trim().is_empty(), "{} has no text", p.cite);
            }
        }
    }

    /// No rule spells an article itself: each cites a constant of this module.
    #[test]
    fn no_rule_spells_an_article_as_a_literal() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let mut files = vec![dir.clone()];
        let mut offending = Vec::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                for entry in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                    files.push(entry.path());
                }
                continue;
            }
            if path.ends_with("articles.rs") || path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                if ["\"第", "\"附則", "\"別表", "\"記録の原則"]
                    .iter()
                    .any(|q| code.contains(q))
                    || code.contains("・{")
                {
                    offending.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(offending.is_empty(), "{offending:#?}");
    }

    #[test]
    fn operation_items_agree_with_the_schema() {
        use govledger_schema::events::OperationKind;
        for k in [
            OperationKind::Monitoring,
            OperationKind::Backup,
            OperationKind::Maintenance,
            OperationKind::Batch,
        ] {
            assert_eq!(operation_item(k).cite, k.article());
        }
    }
}
